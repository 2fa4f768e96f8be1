import type { CommandOutcome } from './commands.js';
import { limits } from './limits.js';

/** Entries per block: a new event copies at most this many. */
const blockSize = 32;

interface Block {
  readonly outcomes: ReadonlyMap<string, CommandOutcome>;
  /** Sequence number of the newest outcome in the block. */
  readonly newest: number;
  /** Sequence number of the oldest outcome in the block. */
  readonly oldest: number;
  /** The block's greatest request id. */
  readonly greatestId: string;
}

/**
 * The recent request ids of a thread and their outcomes: exactly those of
 * the last `limits.rememberedRequests` events (every event has one request
 * id, and a remembered id never makes a second event). Persistent: an event
 * copies one small block, not the window; lookups check a few dozen maps.
 *
 * It also knows the greatest request id among the events that have left
 * it. Request ids are ULIDs, which sort by the time their client made
 * them, so a new request's id is almost always greater: then the window
 * proves that no older event carried it, and the host asks the journal
 * only about the rest ({@link mayHaveLeft}). That is a fact of the history,
 * not of the clock: no clock is trusted for it.
 */
export class RequestWindow {
  static readonly empty = new RequestWindow([], [], 0, '', '');

  private constructor(
    private readonly blocks: readonly Block[],
    /** The newest outcomes, oldest first: a short array, cheaper to copy than a Map. */
    private readonly young: readonly (readonly [string, CommandOutcome])[],
    /** Sequence number of the newest event remembered. */
    private readonly latest: number,
    /**
     * The greatest request id of the events in blocks dropped so far ('' if
     * none), or undefined when unknown (a window restored without it).
     */
    private readonly greatestDropped: string | undefined,
    /**
     * The greatest request id this window was given (held or since left):
     * an id above it and above {@link greatestDropped} is answered without
     * looking into a block, which is the case of almost every new request.
     */
    private readonly greatestGiven: string,
  ) {}

  /**
   * A window holding `outcomes`, oldest first (a snapshot's list), whose
   * events before them carried no request id greater than `greatestLeft`
   * (undefined: unknown; see {@link greatestLeft}).
   */
  static of(outcomes: Iterable<[string, CommandOutcome]>, greatestLeft: string | undefined): RequestWindow {
    let window = new RequestWindow([], [], 0, greatestLeft, '');
    for (const [requestId, outcome] of outcomes) window = window.with(requestId, outcome);
    return window;
  }

  /** The outcome of `requestId` if its event is still in the window. */
  get(requestId: string): CommandOutcome | undefined {
    if (requestId > this.greatestGiven) return undefined;
    const found = this.young.find(([id]) => id === requestId)?.[1] ?? this.findInBlocks(requestId);
    return found !== undefined && this.inWindow(found) ? found : undefined;
  }

  has(requestId: string): boolean {
    return this.get(requestId) !== undefined;
  }

  /**
   * False when the window proves that no event before it carried
   * `requestId`: nothing has left it, or every id that left is smaller.
   * True means only "ask the journal" (O(two blocks)).
   */
  mayHaveLeft(requestId: string): boolean {
    if (this.greatestDropped !== undefined && requestId > this.greatestDropped && requestId > this.greatestGiven) return false;
    const greatest = this.greatestLeft;
    return greatest === undefined || requestId <= greatest;
  }

  /**
   * The greatest request id among the events that have left the window ('' if
   * none), or undefined when unknown: a window restored from a snapshot
   * written before windows knew it (the host then asks the journal about
   * every id the window does not hold, as it always did).
   */
  get greatestLeft(): string | undefined {
    if (this.latest <= limits.rememberedRequests) return '';
    if (this.greatestDropped === undefined) return undefined;
    let greatest = this.greatestDropped;
    // Blocks hold consecutive events and are dropped only when a block fills: the oldest one or two may be out, in part or whole.
    for (const block of this.blocks) {
      if (this.inWindow({ sequenceNr: block.oldest })) break;
      for (const [requestId, outcome] of block.outcomes) if (!this.inWindow(outcome) && requestId > greatest) greatest = requestId;
    }
    return greatest;
  }

  /** Remembered request ids (for tests and tools). */
  get size(): number {
    let size = 0;
    for (const [, outcome] of this.allEntries()) if (this.inWindow(outcome)) size++;
    return size;
  }

  /** Remembers the outcome of the newest event (its sequence number must exceed every earlier one). */
  with(requestId: string, outcome: CommandOutcome): RequestWindow {
    const latest = Math.max(this.latest, outcome.sequenceNr);
    const young = [...this.young, [requestId, outcome] as const];
    const greatestGiven = requestId > this.greatestGiven ? requestId : this.greatestGiven;
    if (young.length < blockSize) return new RequestWindow(this.blocks, young, latest, this.greatestDropped, greatestGiven);
    const floor = latest - limits.rememberedRequests;
    let greatestDropped = this.greatestDropped;
    const kept: Block[] = [];
    for (const block of this.blocks) {
      if (block.newest > floor) kept.push(block);
      else if (greatestDropped !== undefined && block.greatestId > greatestDropped) greatestDropped = block.greatestId;
    }
    kept.push(blockOf(young));
    return new RequestWindow(kept, [], latest, greatestDropped, greatestGiven);
  }

  /** Request ids and outcomes, oldest first. */
  *entries(): IterableIterator<[string, CommandOutcome]> {
    for (const [requestId, outcome] of this.allEntries()) if (this.inWindow(outcome)) yield [requestId, outcome];
  }

  private *allEntries(): IterableIterator<readonly [string, CommandOutcome]> {
    for (const block of this.blocks) yield* block.outcomes;
    yield* this.young;
  }

  private findInBlocks(requestId: string): CommandOutcome | undefined {
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const found = this.blocks[i]!.outcomes.get(requestId);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private inWindow(outcome: Pick<CommandOutcome, 'sequenceNr'>): boolean {
    return outcome.sequenceNr > this.latest - limits.rememberedRequests;
  }
}

function blockOf(young: readonly (readonly [string, CommandOutcome])[]): Block {
  let greatestId = '';
  for (const [requestId] of young) if (requestId > greatestId) greatestId = requestId;
  return { outcomes: new Map(young), newest: young[young.length - 1]![1].sequenceNr, oldest: young[0]![1].sequenceNr, greatestId };
}
