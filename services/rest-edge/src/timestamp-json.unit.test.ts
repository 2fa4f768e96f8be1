import { describe, expect, it } from '@jest/globals';
import { create, toJson } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import { formatTimestamp } from './timestamp-json.js';

/** What @bufbuild/protobuf writes for a Timestamp. */
const reference = (seconds: bigint, nanos: number): unknown => toJson(TimestampSchema, create(TimestampSchema, { seconds, nanos }));

const edgeCases: [string, bigint, number][] = [
  ['the epoch', 0n, 0],
  ['0 nanos', 1_714_979_289n, 0],
  ['millis', 1_714_979_289n, 123_000_000],
  ['1 milli', 1_714_979_289n, 1_000_000],
  ['micros', 1_714_979_289n, 123_456_000],
  ['1 micro', 1_714_979_289n, 1_000],
  ['nanos', 1_714_979_289n, 123_456_789],
  ['1 nano', 1_714_979_289n, 1],
  ['max nanos', 1_714_979_289n, 999_999_999],
  ['negative seconds', -1n, 500_000_000],
  ['before the epoch', -86_401n, 7],
  ['the first instant', -62_135_596_800n, 0],
  ['the last second', 253_402_300_799n, 999_999_999],
  ['new year', 1_735_689_600n, 0],
  ['new year eve', 1_735_689_599n, 999_000_000],
  ['29 February 2024', 1_709_164_800n, 0],
  ['1 March 2100 (not leap)', 4_107_542_400n, 0],
  ['29 February 2000', 951_782_400n, 0],
  ['year 999', -30_610_224_000n, 0],
];

describe('formatTimestamp', () => {
  it.each(edgeCases)('%s: as toJson writes it', (_name, seconds, nanos) => {
    expect(formatTimestamp(Number(seconds), nanos)).toBe(reference(seconds, nanos));
  });

  it('agrees with toJson on 20,000 random instants across 0001..9999', () => {
    let state = 42;
    const next = (): number => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    for (let i = 0; i < 20_000; i++) {
      const seconds = BigInt(Math.floor(-62_135_596_800 + next() * (253_402_300_799 + 62_135_596_800)));
      const nanos = [0, Math.floor(next() * 1000) * 1_000_000, Math.floor(next() * 1_000_000) * 1_000, Math.floor(next() * 1_000_000_000)][i % 4]!;
      expect(formatTimestamp(Number(seconds), nanos)).toBe(reference(seconds, nanos));
    }
  });
});
