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
}

/**
 * The recent request ids of a thread and their outcomes: exactly those of
 * the last `limits.rememberedRequests` events (every event has one request
 * id, and a remembered id never makes a second event). Persistent: an event
 * copies one small block, not the window; lookups check a few dozen maps.
 */
export class RequestWindow {
  static readonly empty = new RequestWindow([], [], 0);

  private constructor(
    private readonly blocks: readonly Block[],
    /** The newest outcomes, oldest first: a short array, cheaper to copy than a Map. */
    private readonly young: readonly (readonly [string, CommandOutcome])[],
    /** Sequence number of the newest event remembered. */
    private readonly latest: number,
  ) {}

  /** A window holding `outcomes`, oldest first (a snapshot's list). */
  static of(outcomes: Iterable<[string, CommandOutcome]>): RequestWindow {
    let window = RequestWindow.empty;
    for (const [requestId, outcome] of outcomes) window = window.with(requestId, outcome);
    return window;
  }

  /** The outcome of `requestId` if its event is still in the window. */
  get(requestId: string): CommandOutcome | undefined {
    const found = this.young.find(([id]) => id === requestId)?.[1] ?? this.findInBlocks(requestId);
    return found !== undefined && this.inWindow(found) ? found : undefined;
  }

  has(requestId: string): boolean {
    return this.get(requestId) !== undefined;
  }

  /** Remembered request ids (asked before every command: counts whole blocks, not entries). */
  get size(): number {
    let size = 0;
    for (const block of this.blocks) {
      if (this.inWindow({ sequenceNr: block.oldest })) size += block.outcomes.size;
      else for (const outcome of block.outcomes.values()) if (this.inWindow(outcome)) size++;
    }
    for (const [, outcome] of this.young) if (this.inWindow(outcome)) size++;
    return size;
  }

  /** Remembers the outcome of the newest event (its sequence number must exceed every earlier one). */
  with(requestId: string, outcome: CommandOutcome): RequestWindow {
    const latest = Math.max(this.latest, outcome.sequenceNr);
    const young = [...this.young, [requestId, outcome] as const];
    if (young.length < blockSize) return new RequestWindow(this.blocks, young, latest);
    const floor = latest - limits.rememberedRequests;
    const blocks = [...this.blocks.filter((b) => b.newest > floor), { outcomes: new Map(young), newest: latest, oldest: young[0]![1].sequenceNr }];
    return new RequestWindow(blocks, [], latest);
  }

  /** Request ids and outcomes, oldest first. */
  *entries(): IterableIterator<[string, CommandOutcome]> {
    for (const outcomes of [...this.blocks.map((b) => b.outcomes), this.young]) {
      for (const [requestId, outcome] of outcomes) if (this.inWindow(outcome)) yield [requestId, outcome];
    }
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
