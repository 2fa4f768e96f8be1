import { hash } from 'node:crypto';
import type { Member } from './membership.js';

interface Entry {
  readonly member: Member;
  readonly seedHigh: number;
  readonly seedLow: number;
}

/**
 * Places thread ids on members by rendezvous (highest-random-weight)
 * hashing: every member scores the id and the highest score owns it. A join
 * takes only the ids the newcomer now wins (about 1/N) and a leave moves
 * only the leaver's ids, with no virtual nodes to tune. See README for the
 * figures behind this choice.
 *
 * The id is digested once with SHA-256 (node:crypto); each member's score is
 * that digest mixed with a per-member seed by murmur3's 32-bit finaliser,
 * so a lookup costs one digest plus N multiply-xor rounds.
 *
 * Immutable: build a new ring for a new member set.
 */
export class HashRing {
  private readonly entries: readonly Entry[];

  constructor(members: readonly Member[]) {
    const byId = new Map(members.map((m) => [m.id, m]));
    this.entries = [...byId.values()].map((member) => {
      const [seedHigh, seedLow] = digest32x2(member.id);
      return { member, seedHigh, seedLow };
    });
  }

  /** Members on the ring, one per distinct id. */
  get members(): readonly Member[] {
    return this.entries.map((e) => e.member);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The member that owns `key`, or undefined when the ring is empty. */
  ownerOf(key: string): Member | undefined {
    // A ring of one (a single pod) owns everything: no digest per command.
    if (this.entries.length === 1) return this.entries[0]!.member;
    const [high, low] = digest32x2(key);
    let best: Entry | undefined;
    let bestHigh = -1;
    let bestLow = -1;
    for (const entry of this.entries) {
      const scoreHigh = fmix32(high ^ entry.seedHigh);
      if (scoreHigh < bestHigh) continue;
      const scoreLow = fmix32(low ^ entry.seedLow);
      // Ties on 32 bits are rare; the second lane, then the id, settle them
      // the same way on every pod.
      if (
        best === undefined ||
        scoreHigh > bestHigh ||
        scoreLow > bestLow ||
        (scoreLow === bestLow && entry.member.id > best.member.id)
      ) {
        best = entry;
        bestHigh = scoreHigh;
        bestLow = scoreLow;
      }
    }
    return best?.member;
  }
}

/** Two 32-bit words of the SHA-256 digest of `text`. */
function digest32x2(text: string): [number, number] {
  const bytes = hash('sha256', text, 'buffer');
  return [bytes.readUInt32LE(0), bytes.readUInt32LE(4)];
}

/** murmur3's 32-bit finaliser: a bijection with full avalanche. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
