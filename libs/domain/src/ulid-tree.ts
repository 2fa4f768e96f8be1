import { compareKey, keyWords, readKey, writeKey } from './ulid-key.js';

/**
 * Entries per leaf. A change copies one leaf (1.25 KiB) plus the path to
 * it, so an update costs the same on a thread of ten or a million entries.
 * Small, because allocating an off-heap typed array dominates the cost.
 */
const leafMax = 64;
/** Children per branch: a million entries fit in three levels. */
const branchMax = 32;

/** Words per entry: the key's four, then the value. */
const width = keyWords + 1;

interface Leaf {
  readonly kind: 'leaf';
  /** `width` words per entry, keys ascending: one allocation per copy. */
  readonly words: Uint32Array;
  readonly size: number;
}

interface Branch {
  readonly kind: 'branch';
  readonly children: readonly Node[];
  /** keyWords words per child: a key <= every key in that child and > every key of the child before. Child 0's is not used for routing. */
  readonly seps: Uint32Array;
  readonly size: number;
}

type Node = Leaf | Branch;

/** Words per entry in {@link UlidTree.leaves}: four key words, then the value. */
export const entryWords = width;

const scratch = new Uint32Array(keyWords);
const none = new Uint32Array(0);

/**
 * A persistent sorted map from ULID to a 32-bit value: a B+ tree whose
 * leaves are typed arrays (20 bytes an entry) and whose updates copy only the
 * path they touch, sharing every other node with the version before. Older
 * versions stay valid, so a caller can hold a tentative state and drop it.
 */
export class UlidTree {
  static readonly empty = new UlidTree(null);

  private constructor(private readonly root: Node | null) {}

  /** Builds a tree from `entryWords` words per entry, keys strictly ascending (a snapshot's columns). */
  static fromSorted(words: Uint32Array): UlidTree {
    return UlidTree.fromSortedRuns([words]).tree;
  }

  /**
   * Builds a tree from runs of `entryWords` words per entry, keys strictly
   * ascending within and across runs (a snapshot's segments). No leaf spans
   * two runs, so each run's leaves (`runLeaves`, the arrays `leaves()` will
   * yield) stay identical until an update touches them.
   */
  static fromSortedRuns(runs: readonly Uint32Array[]): { tree: UlidTree; runLeaves: Uint32Array[][] } {
    let level: Node[] = [];
    const runLeaves: Uint32Array[][] = [];
    let previous: Uint32Array | undefined;
    for (const words of runs) {
      if (words.length % width !== 0) throw new Error(`${words.length} words is not a whole number of entries`);
      const n = words.length / width;
      if (n > 0 && previous !== undefined && !ascendingAcross(previous, words)) throw new Error('runs not ascending');
      for (let i = 1; i < n; i++) if (!ascending(words, (i - 1) * width, i * width)) throw new Error(`keys not ascending at entry ${i}`);
      const leaves: Uint32Array[] = [];
      for (let at = 0; at < n; at += leafMax) {
        const node = leaf(words.slice(at * width, Math.min(n, at + leafMax) * width));
        leaves.push(node.words);
        level.push(node);
      }
      runLeaves.push(leaves);
      if (n > 0) previous = words;
    }
    while (level.length > 1) {
      const up: Node[] = [];
      for (let at = 0; at < level.length; at += branchMax) up.push(branch(level.slice(at, at + branchMax)));
      level = up;
    }
    return { tree: level.length === 0 ? UlidTree.empty : new UlidTree(level[0]!), runLeaves };
  }

  get size(): number {
    return this.root?.size ?? 0;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** The value stored under `id`, or undefined. Throws on a string that is not a ULID. */
  get(id: string): number | undefined {
    writeKey(id, scratch, 0);
    let node = this.root;
    if (node === null) return undefined;
    while (node.kind === 'branch') node = node.children[childIndex(node, scratch)]!;
    const pos = lowerBound(node, scratch);
    return pos < node.size && compareKey(node.words, pos * width, scratch) === 0 ? node.words[pos * width + keyWords] : undefined;
  }

  /** This tree with `id` set to `value`; the same tree when nothing changes. */
  with(id: string, value = 0): UlidTree {
    const entry = new Uint32Array(width);
    writeKey(id, entry, 0);
    entry[keyWords] = value;
    if (this.root === null) return new UlidTree(leaf(entry));
    const parts = insert(this.root, entry);
    if (parts.length === 1) return parts[0] === this.root ? this : new UlidTree(parts[0]!);
    return new UlidTree(branch(parts));
  }

  /** This tree without `id`; the same tree when it was absent. */
  without(id: string): UlidTree {
    if (this.root === null) return this;
    const key = new Uint32Array(keyWords);
    writeKey(id, key, 0);
    let root = remove(this.root, key);
    if (root === this.root) return this;
    while (root !== null && root.kind === 'branch' && root.children.length === 1) root = root.children[0]!;
    return root === null ? UlidTree.empty : new UlidTree(root);
  }

  /** Ids and values in ascending id order. */
  *entries(): IterableIterator<[string, number]> {
    for (const words of this.leaves()) {
      for (let at = 0; at < words.length; at += width) yield [readKey(words, at), words[at + keyWords]!];
    }
  }

  /** The leaves in ascending order, `entryWords` words per entry (for snapshots; do not modify). */
  *leaves(): IterableIterator<Uint32Array> {
    if (this.root !== null) yield* leavesOf(this.root);
  }
}

/** True when the key at word `a` is smaller than the key at word `b` of the same array. */
function ascending(words: Uint32Array, a: number, b: number): boolean {
  for (let j = 0; j < keyWords; j++) {
    const x = words[a + j]!;
    const y = words[b + j]!;
    if (x !== y) return x < y;
  }
  return false;
}

/** True when the last key of `a` is smaller than the first key of `b`. */
function ascendingAcross(a: Uint32Array, b: Uint32Array): boolean {
  const last = a.length - width;
  for (let j = 0; j < keyWords; j++) {
    const x = a[last + j]!;
    const y = b[j]!;
    if (x !== y) return x < y;
  }
  return false;
}

function* leavesOf(node: Node): IterableIterator<Uint32Array> {
  if (node.kind === 'leaf') yield node.words;
  else for (const child of node.children) yield* leavesOf(child);
}

function leaf(words: Uint32Array): Leaf {
  return { kind: 'leaf', words, size: words.length / width };
}

function branch(children: readonly Node[], seps?: Uint32Array): Branch {
  let size = 0;
  for (const child of children) size += child.size;
  if (seps === undefined) {
    seps = new Uint32Array(children.length * keyWords);
    children.forEach((child, i) => seps!.set(firstKey(child), i * keyWords));
  }
  return { kind: 'branch', children, seps, size };
}

function firstKey(node: Node): Uint32Array {
  return node.kind === 'leaf' ? node.words.subarray(0, keyWords) : node.seps.subarray(0, keyWords);
}

/** First position whose key is >= key. */
function lowerBound(node: Leaf, key: Uint32Array): number {
  let lo = 0;
  let hi = node.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKey(node.words, mid * width, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The last child whose separator is <= key (child 0 takes everything smaller). */
function childIndex(node: Branch, key: Uint32Array): number {
  let lo = 1;
  let hi = node.children.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKey(node.seps, mid * keyWords, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** A copy of `words` with `removeCount` items of `itemWords` at item `at` replaced by `insert`. */
function spliced(words: Uint32Array, itemWords: number, at: number, removeCount: number, insert: Uint32Array): Uint32Array {
  const out = new Uint32Array(words.length + insert.length - removeCount * itemWords);
  out.set(words.subarray(0, at * itemWords));
  out.set(insert, at * itemWords);
  out.set(words.subarray((at + removeCount) * itemWords), at * itemWords + insert.length);
  return out;
}

function insert(node: Node, entry: Uint32Array): Node[] {
  if (node.kind === 'leaf') {
    const pos = lowerBound(node, entry);
    if (pos < node.size && compareKey(node.words, pos * width, entry) === 0) {
      return node.words[pos * width + keyWords] === entry[keyWords] ? [node] : [leaf(spliced(node.words, width, pos, 1, entry))];
    }
    const next = spliced(node.words, width, pos, 0, entry);
    if (next.length <= leafMax * width) return [leaf(next)];
    // Appending at the end (the usual case: ids are time-ordered) leaves full leaves behind, not half-full ones.
    const at = pos === node.size ? node.size : (node.size + 1) >>> 1;
    return [pos === node.size ? node : leaf(next.slice(0, at * width)), leaf(next.slice(at * width))];
  }
  const i = childIndex(node, entry);
  const child = node.children[i]!;
  const parts = insert(child, entry);
  if (parts.length === 1 && parts[0] === child) return [node];
  const children = [...node.children.slice(0, i), ...parts, ...node.children.slice(i + 1)];
  const seps = parts.length === 1 ? node.seps : spliced(node.seps, keyWords, i + 1, 0, firstKey(parts[1]!));
  if (children.length <= branchMax) return [branch(children, seps)];
  const at = i === node.children.length - 1 ? node.children.length : children.length >>> 1;
  return [branch(children.slice(0, at), seps.slice(0, at * keyWords)), branch(children.slice(at), seps.slice(at * keyWords))];
}

function remove(node: Node, key: Uint32Array): Node | null {
  if (node.kind === 'leaf') {
    const pos = lowerBound(node, key);
    if (pos >= node.size || compareKey(node.words, pos * width, key) !== 0) return node;
    return node.size === 1 ? null : leaf(spliced(node.words, width, pos, 1, none));
  }
  const i = childIndex(node, key);
  const child = node.children[i]!;
  const next = remove(child, key);
  if (next === child) return node;
  if (next === null) {
    if (node.children.length === 1) return null;
    return branch([...node.children.slice(0, i), ...node.children.slice(i + 1)], spliced(node.seps, keyWords, i, 1, none));
  }
  const children = [...node.children];
  children[i] = next;
  return mergeSmall(children, node.seps, i) ?? branch(children, node.seps);
}

/** Merges a child that became small into a neighbour, so memory stays proportional to the live entries. */
function mergeSmall(children: Node[], seps: Uint32Array, i: number): Branch | undefined {
  const small = children[i]!;
  const isSmall = small.kind === 'leaf' ? small.size < leafMax / 4 : small.children.length < branchMax / 4;
  if (!isSmall || children.length === 1) return undefined;
  const left = i > 0 ? i - 1 : i;
  const a = children[left]!;
  const b = children[left + 1]!;
  let joined: Node;
  if (a.kind === 'leaf' && b.kind === 'leaf') {
    if (a.size + b.size > leafMax) return undefined;
    joined = leaf(spliced(a.words, width, a.size, 0, b.words));
  } else if (a.kind === 'branch' && b.kind === 'branch') {
    if (a.children.length + b.children.length > branchMax) return undefined;
    // b's own first separator may be stale; the parent's separator for b is the valid one.
    const bSeps = b.seps.slice();
    bSeps.set(seps.subarray((left + 1) * keyWords, (left + 2) * keyWords), 0);
    joined = branch([...a.children, ...b.children], spliced(a.seps, keyWords, a.children.length, 0, bSeps));
  } else {
    throw new Error('tree levels differ');
  }
  children.splice(left, 2, joined);
  return branch(children, spliced(seps, keyWords, left + 1, 1, none));
}
