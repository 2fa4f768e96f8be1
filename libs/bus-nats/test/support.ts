import { randomBytes } from 'node:crypto';
import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import type { ThreadEvent } from '@threadweaver/domain';
import type { BusLogger } from '../src/logger.js';

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A random id shaped like a ULID (26 Crockford base32 characters). */
export function testUlid(): string {
  return [...randomBytes(26)].map((b) => crockford[b % 32]).join('');
}

/** A plausible history: ThreadCreated as 1, then MessagesAdded events. */
export function threadEvents(threadId: string, from: number, to: number): ThreadEvent[] {
  const account = 'ACCOUNT00000000000000000001';
  const events: ThreadEvent[] = [];
  for (let seq = from; seq <= to; seq++) {
    const meta = { threadId, sequenceNr: seq, occurredAt: new Date(1_700_000_000_000 + seq), requestId: testUlid(), accountId: account };
    events.push(
      seq === 1
        ? { ...meta, type: 'ThreadCreated', creatorId: account, title: 'a thread', administratorIds: [account], memberIds: [] }
        : { ...meta, type: 'MessagesAdded', messages: [{ id: testUlid(), text: `message ${seq}`, toAccountIds: [] }] },
    );
  }
  return events;
}

/** A logger that keeps what it was told, so tests can assert on errors. */
export function recordingLogger(): BusLogger & { entries: { level: string; message: string; details: object }[] } {
  const entries: { level: string; message: string; details: object }[] = [];
  const at = (level: string) => (details: object, message: string) => void entries.push({ level, message, details });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Every message of a stream, in stream order. */
export async function storedMessages(jsm: JetStreamManager, stream: string): Promise<StoredMsg[]> {
  const info = await jsm.streams.info(stream);
  const out: StoredMsg[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(stream, { seq });
    if (msg !== null) out.push(msg);
  }
  return out;
}

/** For streams that never carry references: any resolution is a test failure, reported as unresolvable. */
export const noReferencesExpected = (threadId: string, sequenceNr: number): Promise<ThreadEvent> =>
  Promise.reject(new Error(`unexpected reference ${threadId}:${sequenceNr}`));
