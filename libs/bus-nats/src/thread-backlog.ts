import type { MsgHdrs } from '@nats-io/transport-node';

/** One event waiting to be acknowledged by JetStream, encoded once. */
export interface PendingEvent {
  readonly sequenceNr: number;
  readonly subject: string;
  readonly msgId: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs;
}

/**
 * What the publisher knows about one thread: its events waiting for an ack,
 * in sequence order, and how far JetStream has acknowledged.
 */
export class ThreadBacklog {
  /** Waiting events, ascending by sequence number, no duplicates. */
  readonly pending: PendingEvent[] = [];
  /** Highest sequence number JetStream acknowledged (0: none). */
  highestAcked = 0;
  /** Lowest sequence number dropped because the backlog was full and not offered again since. */
  lowestDropped: number | undefined;
  /** Whether a publish loop is running for this thread. */
  pumping = false;

  /**
   * True when the event is waiting or surely acknowledged. An event above the
   * watermark may have been acked too; offering it again costs one publish
   * that JetStream drops as a duplicate.
   */
  has(sequenceNr: number): boolean {
    return sequenceNr <= this.publishedUpTo() || this.pending.some((p) => p.sequenceNr === sequenceNr);
  }

  /** Inserts in sequence order (a republished older tail may arrive after newer events). */
  insert(event: PendingEvent): void {
    let at = this.pending.length;
    while (at > 0 && this.pending[at - 1]!.sequenceNr > event.sequenceNr) at--;
    this.pending.splice(at, 0, event);
    if (this.lowestDropped !== undefined && event.sequenceNr <= this.lowestDropped) this.lowestDropped = undefined;
  }

  /** Removes an acknowledged event. */
  acknowledge(event: PendingEvent): void {
    const at = this.pending.indexOf(event);
    if (at >= 0) this.pending.splice(at, 1);
    this.highestAcked = Math.max(this.highestAcked, event.sequenceNr);
  }

  /** Removes an event that can never be published and remembers the gap. */
  discard(event: PendingEvent): void {
    const at = this.pending.indexOf(event);
    if (at >= 0) this.pending.splice(at, 1);
    this.lowestDropped = Math.min(this.lowestDropped ?? event.sequenceNr, event.sequenceNr);
  }

  /**
   * The highest sequence number n such that nothing at or below n that this
   * publisher was given is still waiting or was dropped: what a snapshot
   * records, and where a recovering aggregate starts republishing.
   */
  publishedUpTo(): number {
    let upTo = this.highestAcked;
    const first = this.pending[0];
    if (first !== undefined) upTo = Math.min(upTo, first.sequenceNr - 1);
    if (this.lowestDropped !== undefined) upTo = Math.min(upTo, this.lowestDropped - 1);
    return upTo;
  }
}
