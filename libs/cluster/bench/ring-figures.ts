/**
 * Prints the figures behind the placement choice (libs/cluster/README.md):
 * for 3..10 members over 100,000 ULID-like thread ids, the load of the
 * busiest member against the mean, the share of ids that move on one join
 * and on one leave (and whether any move between unchanged members), and
 * the cost of one lookup, for
 *   - rendezvous (HRW) hashing as shipped (HashRing), and
 *   - a virtual-node consistent-hash ring (100 and 1,000 points per member),
 *     built here only for comparison.
 * Run: npm run bench:ring -w libs/cluster
 */
import { hash } from 'node:crypto';
import { HashRing } from '../src/hash-ring.js';
import type { Member } from '../src/membership.js';
import { ulidLikeIds } from './ulid-like.js';

interface Placer {
  ownerOf(key: string): Member | undefined;
}

/** Virtual-node ring: each member at `points` positions; owner = next point clockwise. */
class VirtualNodeRing implements Placer {
  private readonly positions: Uint32Array;
  private readonly owners: Member[];

  constructor(members: readonly Member[], points: number) {
    const all: { at: number; member: Member }[] = [];
    for (const member of members) for (let i = 0; i < points; i += 1) all.push({ at: point(`${member.id}#${i}`), member });
    all.sort((a, b) => a.at - b.at);
    this.positions = Uint32Array.from(all.map((p) => p.at));
    this.owners = all.map((p) => p.member);
  }

  ownerOf(key: string): Member | undefined {
    const at = point(key);
    let lo = 0;
    let hi = this.positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.positions[mid] ?? 0) < at) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === this.positions.length ? 0 : lo];
  }
}

function point(text: string): number {
  return hash('sha256', text, 'buffer').readUInt32LE(0);
}

const ids = ulidLikeIds(100_000);
const membersOf = (n: number): Member[] => Array.from({ length: n }, (_, i) => ({ id: `command-7d9f8c6b5-${i}`, address: `10.0.0.${i + 1}:50051` }));

function owners(placer: Placer): string[] {
  return ids.map((id) => placer.ownerOf(id)?.id ?? '');
}

function maxOverMean(assigned: string[], n: number): number {
  const counts = new Map<string, number>();
  for (const id of assigned) counts.set(id, (counts.get(id) ?? 0) + 1);
  return Math.max(...counts.values()) / (assigned.length / n);
}

/** Share of ids whose owner changed, and how many moved between two unchanged members. */
function moved(before: string[], after: string[], changed: string): { share: number; stray: number } {
  let count = 0;
  let stray = 0;
  before.forEach((owner, i) => {
    if (owner === after[i]) return;
    count += 1;
    if (owner !== changed && after[i] !== changed) stray += 1;
  });
  return { share: count / before.length, stray };
}

function usToBuild(build: () => Placer): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < 20; i += 1) build();
  return Number(process.hrtime.bigint() - start) / 20 / 1000;
}

function nsPerLookup(placer: Placer): number {
  const start = process.hrtime.bigint();
  for (const id of ids) placer.ownerOf(id);
  return Number(process.hrtime.bigint() - start) / ids.length;
}

const schemes: { name: string; build: (members: Member[]) => Placer }[] = [
  { name: 'HRW (HashRing)', build: (m) => new HashRing(m) },
  { name: 'vnodes x100', build: (m) => new VirtualNodeRing(m, 100) },
  { name: 'vnodes x1000', build: (m) => new VirtualNodeRing(m, 1000) },
];

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
console.log(`${ids.length} ULID-like ids; join = member N+1 added; leave = member 0 removed`);
console.log('scheme          N  max/mean  join moved (1/(N+1))  leave moved (1/N)  stray  ns/lookup  µs/build');
for (const scheme of schemes) {
  for (let n = 3; n <= 10; n += 1) {
    const members = membersOf(n);
    const base = scheme.build(members);
    const before = owners(base);
    const joiner = membersOf(n + 1)[n] as Member;
    const join = moved(before, owners(scheme.build([...members, joiner])), joiner.id);
    const leaver = members[0] as Member;
    const leave = moved(before, owners(scheme.build(members.slice(1))), leaver.id);
    console.log(
      [
        scheme.name.padEnd(15),
        String(n).padStart(2),
        maxOverMean(before, n).toFixed(3).padStart(9),
        `${pct(join.share)} (${pct(1 / (n + 1))})`.padStart(21),
        `${pct(leave.share)} (${pct(1 / n)})`.padStart(18),
        String(join.stray + leave.stray).padStart(6),
        nsPerLookup(base).toFixed(0).padStart(10),
        usToBuild(() => scheme.build(members)).toFixed(0).padStart(9),
      ].join(' '),
    );
  }
}
