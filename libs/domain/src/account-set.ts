import { UlidTree } from './ulid-tree.js';
import { isUlid } from './validate.js';

/**
 * A persistent set of account ids (administrators, members): adding or
 * removing ids copies O(ids changed × log size), not the whole set.
 * Iterates in id order.
 */
export class AccountSet implements Iterable<string> {
  static readonly empty = new AccountSet(UlidTree.empty);

  private constructor(private readonly tree: UlidTree) {}

  /** A set holding `ids` (repeats collapse). */
  static of(ids: Iterable<string>): AccountSet {
    return AccountSet.empty.with(ids);
  }

  get size(): number {
    return this.tree.size;
  }

  has(id: string): boolean {
    // Ids here come from events, so are ULIDs; a caller's id may be anything.
    return isUlid(id) && this.tree.has(id);
  }

  with(ids: Iterable<string>): AccountSet {
    let tree = this.tree;
    for (const id of ids) tree = tree.with(id);
    return tree === this.tree ? this : new AccountSet(tree);
  }

  without(ids: Iterable<string>): AccountSet {
    let tree = this.tree;
    for (const id of ids) if (isUlid(id)) tree = tree.without(id);
    return tree === this.tree ? this : new AccountSet(tree);
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (const [id] of this.tree.entries()) yield id;
  }
}
