import { isUlid } from './validate.js';
import { UlidTree, entryWords } from './ulid-tree.js';

/**
 * The intern table of a thread's senders: index -> account id, append-only.
 * Every version of one thread's state shares it; an entry never changes once
 * written, so what a version answers never depends on what later (or
 * discarded) versions appended. Senders are few next to messages.
 */
class SenderTable {
  readonly ids: string[] = [];
  private readonly indexes = new Map<string, number>();

  indexOf(id: string): number | undefined {
    return this.indexes.get(id);
  }

  intern(id: string): number {
    let index = this.indexes.get(id);
    if (index === undefined) {
      index = this.ids.length;
      this.ids.push(id);
      this.indexes.set(id, index);
    }
    return index;
  }
}

/** A snapshot's view of the live messages. */
export interface MessageColumns {
  /** `entryWords` words per message (id key, then sender index), ids ascending. */
  readonly leaves: Iterable<Uint32Array>;
  /** What the sender indexes point at (may hold ids no live message uses). */
  readonly senderIds: readonly string[];
}

/**
 * The live messages of a thread as the rules need them: which ids exist and
 * who sent each. No texts or timestamps (those live in the events and the
 * read model). 20 bytes per message in leaves of a persistent B+ tree keyed
 * by the id's 16 bytes, plus a 4-byte index into the sender table.
 */
export class MessageIndex {
  private constructor(
    private readonly tree: UlidTree,
    private readonly senders: SenderTable,
  ) {}

  /** No messages, with a fresh sender table (one per thread). */
  static empty(): MessageIndex {
    return new MessageIndex(UlidTree.empty, new SenderTable());
  }

  /** Rebuilds from a snapshot's columns: `entryWords` words per message, ids ascending, then the sender ids. */
  static fromColumns(words: Uint32Array, senderIds: readonly string[]): MessageIndex {
    return MessageIndex.fromSegments([words], senderIds).index;
  }

  /**
   * Rebuilds from a snapshot's segments (`entryWords` words per message, ids
   * ascending within and across segments) and its sender ids. `segmentLeaves`
   * are the leaves each segment became, for a snapshot writer that rewrites
   * only segments whose leaves changed.
   */
  static fromSegments(segments: readonly Uint32Array[], senderIds: readonly string[]): { index: MessageIndex; segmentLeaves: Uint32Array[][] } {
    const senders = new SenderTable();
    for (const id of senderIds) senders.intern(id);
    for (const words of segments) {
      for (let at = entryWords - 1; at < words.length; at += entryWords) {
        if (words[at]! >= senderIds.length) throw new Error(`sender index ${words[at]} out of range`);
      }
    }
    const { tree, runLeaves } = UlidTree.fromSortedRuns(segments);
    return { index: new MessageIndex(tree, senders), segmentLeaves: runLeaves };
  }

  /**
   * The same object for every version of one thread's index in this process
   * (from one `empty()` or one snapshot load): a key for what a snapshot
   * writer remembers about the versions it wrote.
   */
  get lineage(): object {
    return this.senders;
  }

  /** Live messages. */
  get size(): number {
    return this.tree.size;
  }

  /** True when `id` names a live message. */
  has(id: string): boolean {
    return isUlid(id) && this.tree.has(id);
  }

  /** The sender of a live message, or undefined. */
  senderOf(id: string): string | undefined {
    const index = isUlid(id) ? this.tree.get(id) : undefined;
    return index === undefined ? undefined : this.senders.ids[index];
  }

  /** Adds messages sent by `senderId`. */
  withAdded(ids: readonly string[], senderId: string): MessageIndex {
    const sender = this.senders.intern(senderId);
    let tree = this.tree;
    for (const id of ids) tree = tree.with(id, sender);
    return new MessageIndex(tree, this.senders);
  }

  /** Drops messages (unknown ids are ignored). */
  withRemoved(ids: readonly string[]): MessageIndex {
    let tree = this.tree;
    for (const id of ids) if (isUlid(id)) tree = tree.without(id);
    return tree === this.tree ? this : new MessageIndex(tree, this.senders);
  }

  /** Live message ids and senders, in id order (which is posting order for server-assigned ids). */
  *entries(): IterableIterator<[id: string, senderId: string]> {
    for (const [id, index] of this.tree.entries()) yield [id, this.senders.ids[index]!];
  }

  /** Live message ids in id order. */
  *ids(): IterableIterator<string> {
    for (const [id] of this.tree.entries()) yield id;
  }

  /** The raw columns, for a snapshot encoder. The sender table may hold ids no live message uses. */
  columns(): MessageColumns {
    return { leaves: this.tree.leaves(), senderIds: this.senders.ids };
  }
}
