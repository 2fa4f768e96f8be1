// Reads a test's JetStream stream back, message by message, to check what the
// command service published against the journal.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { eventHeaders } from '@threadweaver/bus-nats';
import type { ThreadEvent } from '@threadweaver/domain';
import { decodeEvent } from '@threadweaver/event-codec';
import type { TestStream } from '@threadweaver/testing';

/** One stored message, decoded. */
export interface StreamedEvent {
  readonly streamSeq: number;
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly eventType: string | undefined;
  readonly schemaVersion: string | undefined;
  readonly event: ThreadEvent;
}

/** Every message of the stream in stream order; [] when the stream does not exist (yet). */
export async function readStream(stream: TestStream): Promise<StreamedEvent[]> {
  const nc = await connect({ servers: stream.url, reconnect: false, timeout: 2000 });
  try {
    const jsm = await jetstreamManager(nc);
    let last: number;
    try {
      last = (await jsm.streams.info(stream.stream)).state.last_seq;
    } catch (err) {
      if (/stream not found/i.test(String(err))) return [];
      throw err;
    }
    const out: StreamedEvent[] = [];
    for (let seq = 1; seq <= last; seq++) {
      const m = await jsm.streams.getMessage(stream.stream, { seq });
      if (m === null) continue;
      out.push({
        streamSeq: m.seq,
        subject: m.subject,
        msgId: m.header?.get('Nats-Msg-Id'),
        eventType: m.header?.get(eventHeaders.eventType),
        schemaVersion: m.header?.get(eventHeaders.schemaVersion),
        event: decodeEvent(m.data),
      });
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** `<threadId>:<sequenceNr>` of each message, in stream order. */
export function messageIds(streamed: readonly StreamedEvent[]): string[] {
  return streamed.map((s) => `${s.event.threadId}:${s.event.sequenceNr}`);
}
