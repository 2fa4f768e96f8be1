import { describe, expect, it } from '@jest/globals';
import { create, toBinary, toJson, fromBinary, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import { realRoutes } from '../test/real-routes.js';
import { formatTimestamp, messageToJson } from './timestamp-json.js';

const { registry } = realRoutes();
const schema = (name: string): DescMessage => registry.getMessage(`threadweaver.v1.${name}`)!;

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

/** Both ways from the same bytes, as the edge decodes a response. */
function both(desc: DescMessage, init: MessageInitShape<DescMessage>): [string, string] {
  const bytes = toBinary(desc, create(desc, init));
  const expected = JSON.stringify(toJson(desc, fromBinary(desc, bytes), { alwaysEmitImplicit: true, registry }));
  return [JSON.stringify(messageToJson(desc, fromBinary(desc, bytes), registry)), expected];
}

describe('messageToJson', () => {
  const ts = (seconds: bigint, nanos = 0) => create(TimestampSchema, { seconds, nanos });

  it('writes a thread exactly as toJson, keys in the same order', () => {
    const [actual, expected] = both(schema('GetThreadResponse'), {
      thread: { id: 'T1', title: 't', sequenceNr: 9n, createdAt: ts(1_714_979_289n, 123_000_000), updatedAt: ts(-1n, 5) },
    });
    expect(actual).toBe(expected);
  });

  it('writes a page of messages exactly as toJson, with some Timestamps unset', () => {
    const messages = Array.from({ length: 100 }, (_, i) => ({
      id: `M${i}`,
      text: `message ${i}`,
      ...(i % 3 === 0 ? {} : { createdAt: ts(1_714_979_289n + BigInt(i * 86_399), i * 1_000) }),
      ...(i % 5 === 0 ? {} : { updatedAt: ts(1_735_689_599n + BigInt(i), (i * 7919) % 1_000_000_000) }),
    }));
    const [actual, expected] = both(schema('ListMessagesResponse'), { messages, nextPageToken: 'p' });
    expect(actual).toBe(expected);
  });

  it('writes responses without Timestamps, or with none set, exactly as toJson', () => {
    expect(both(schema('ListMessagesResponse'), {})[0]).toBe(both(schema('ListMessagesResponse'), {})[1]);
    const [actual, expected] = both(schema('GetThreadResponse'), { thread: { id: 'T1' } });
    expect(actual).toBe(expected);
  });

  it('leaves a Timestamp toJson refuses to toJson, which throws as before', () => {
    const desc = schema('GetThreadResponse');
    const bytes = toBinary(desc, create(desc, { thread: { id: 'T1', createdAt: ts(253_402_300_800n) } }));
    expect(() => messageToJson(desc, fromBinary(desc, bytes), registry)).toThrow(/must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z/);
  });
});
