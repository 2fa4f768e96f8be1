// wireToJsonText against the library it replaces on the hot path: for the
// same bytes it must write exactly what JSON.stringify(toJson(fromBinary(…),
// { alwaysEmitImplicit: true })) writes, or give up (undefined).
import { describe, expect, it } from '@jest/globals';
import { create, createFileRegistry, ScalarType, fromBinary, toBinary, toJson, type DescField, type DescMessage, type Message, type Registry } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { FieldDescriptorProto_Label as Label, FieldDescriptorProto_Type as Type, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { realRoutes } from '../test/real-routes.js';
import type { Route } from './routes.js';
import { responseJsonText } from './transcoder.js';
import { wireToJsonText } from './wire-json.js';

const { registry, routes } = realRoutes();

/** protoc's json_name: underscores dropped, the letter after each one upper-cased (buf writes it into descriptor sets; here we must). */
const camel = (name: string): string => name.replace(/_(.)/g, (_, c: string) => c.toUpperCase());

/** A test-only proto3 file with every field shape the writer plans for, and some it leaves to the library. */
const testFile = create(FileDescriptorProtoSchema, {
  name: 'wire_json_test.proto',
  package: 'wjt',
  syntax: 'proto3',
  dependency: ['google/protobuf/timestamp.proto'],
  enumType: [{ name: 'Colour', value: [{ name: 'COLOUR_UNSPECIFIED', number: 0 }, { name: 'COLOUR_RED', number: 1 }, { name: 'COLOUR_NEGATIVE', number: -3 }] }],
  messageType: [
    {
      name: 'Everything',
      field: [
        ...(
          [
            ['d', Type.DOUBLE],
            ['f', Type.FLOAT],
            ['i64', Type.INT64],
            ['u64', Type.UINT64],
            ['i32', Type.INT32],
            ['fx64', Type.FIXED64],
            ['fx32', Type.FIXED32],
            ['b', Type.BOOL],
            ['s', Type.STRING],
            ['by', Type.BYTES],
            ['u32', Type.UINT32],
            ['sfx32', Type.SFIXED32],
            ['sfx64', Type.SFIXED64],
            ['si32', Type.SINT32],
            ['si64', Type.SINT64],
          ] as const
        ).flatMap(([name, type], i) => [
          { name, number: i + 1, type, label: Label.OPTIONAL },
          { name: `rep_${name}`, number: i + 101, type, label: Label.REPEATED },
          { name: `opt_${name}`, number: i + 201, type, label: Label.OPTIONAL, proto3Optional: true, oneofIndex: i + 1 },
        ]),
        { name: 'colour', number: 30, type: Type.ENUM, typeName: '.wjt.Colour', label: Label.OPTIONAL },
        { name: 'colours', number: 31, type: Type.ENUM, typeName: '.wjt.Colour', label: Label.REPEATED },
        { name: 'child', number: 32, type: Type.MESSAGE, typeName: '.wjt.Everything', label: Label.OPTIONAL },
        { name: 'children', number: 33, type: Type.MESSAGE, typeName: '.wjt.Everything', label: Label.REPEATED },
        { name: 'at', number: 34, type: Type.MESSAGE, typeName: '.google.protobuf.Timestamp', label: Label.OPTIONAL },
        { name: 'choice_text', number: 40, type: Type.STRING, label: Label.OPTIONAL, oneofIndex: 0 },
        { name: 'choice_number', number: 41, type: Type.INT32, label: Label.OPTIONAL, oneofIndex: 0 },
        { name: 'choice_child', number: 42, type: Type.MESSAGE, typeName: '.wjt.Everything', label: Label.OPTIONAL, oneofIndex: 0 },
        { name: 'renamed', number: 43, type: Type.STRING, label: Label.OPTIONAL, jsonName: 'otherName' },
      ],
      oneofDecl: [{ name: 'choice' }, ...Array.from({ length: 15 }, (_, i) => ({ name: `_opt_${i}` }))],
    },
    {
      name: 'WithMap',
      field: [
        { name: 'id', number: 1, type: Type.STRING, label: Label.OPTIONAL },
        { name: 'counts', number: 2, type: Type.MESSAGE, typeName: '.wjt.WithMap.CountsEntry', label: Label.REPEATED },
      ],
      nestedType: [
        {
          name: 'CountsEntry',
          field: [
            { name: 'key', number: 1, type: Type.STRING, label: Label.OPTIONAL },
            { name: 'value', number: 2, type: Type.INT32, label: Label.OPTIONAL },
          ],
          options: { mapEntry: true },
        },
      ],
    },
  ],
});
for (const message of testFile.messageType.flatMap((m) => [m, ...m.nestedType])) {
  for (const field of message.field) field.jsonName ||= camel(field.name);
}
const testRegistry = createFileRegistry(testFile, (name) => registry.getFile(name));
const everything = testRegistry.getMessage('wjt.Everything')!;
const withMap = testRegistry.getMessage('wjt.WithMap')!;

/** What the edge wrote before: the library, both trees. */
function reference(desc: DescMessage, bytes: Uint8Array, reg: Registry = testRegistry): string {
  return JSON.stringify(toJson(desc, fromBinary(desc, bytes), { alwaysEmitImplicit: true, registry: reg }));
}

/** A small deterministic generator, so a failure repeats. */
function randomSource(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
}

const awkwardTexts = ['', 'plain', 'quote " and \\ backslash', 'tab\tnew\nline\u0000nul\u001f', 'é ü 中文', '😀 astral', '\u2028\u2029 separators', '</script>'];

function randomScalar(field: DescField, next: () => number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  switch (field.scalar) {
    case ScalarType.DOUBLE:
      return pick([0, -0, 1.5, -2.25e300, 5e-324, Number.NaN, Infinity, -Infinity, next() * 1e6]);
    case ScalarType.FLOAT:
      return pick([0, 0.1, -3.5, Infinity, Number.NaN, Math.fround(next() * 1e3)]);
    case ScalarType.INT64: case ScalarType.SFIXED64: case ScalarType.SINT64:
      return pick([0n, 1n, -1n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), BigInt(Math.floor(next() * 1e12)) - 500_000_000_000n]);
    case ScalarType.UINT64: case ScalarType.FIXED64:
      return pick([0n, 1n, 2n ** 32n, 2n ** 31n + 7n, 2n ** 64n - 1n, BigInt(Math.floor(next() * 1e15))]);
    case ScalarType.INT32: case ScalarType.SFIXED32: case ScalarType.SINT32:
      return pick([0, 1, -1, 2 ** 31 - 1, -(2 ** 31), Math.floor(next() * 2e6) - 1e6]);
    case ScalarType.FIXED32: case ScalarType.UINT32:
      return pick([0, 1, 2 ** 31, 2 ** 32 - 1, Math.floor(next() * 1e6)]);
    case ScalarType.BOOL:
      return next() < 0.5;
    case ScalarType.STRING:
      return pick([...awkwardTexts, `random ${Math.floor(next() * 1e9)}`]);
    default: // ScalarType.BYTES
      return Uint8Array.from({ length: Math.floor(next() * 7) }, () => Math.floor(next() * 256));
  }
}

function randomValue(field: DescField, next: () => number, depth: number, kind = field.fieldKind === 'list' ? field.listKind : field.fieldKind): unknown {
  if (kind === 'enum') return field.enum!.values[Math.floor(next() * field.enum!.values.length)]!.number;
  if (kind === 'message') {
    const desc = field.message!;
    if (desc.typeName === 'google.protobuf.Timestamp') {
      return { seconds: BigInt(Math.floor(-62_135_596_800 + next() * 315_537_897_599)), nanos: [0, 1_000_000, 123_456_000, 999_999_999][Math.floor(next() * 4)]! };
    }
    return randomMessage(desc, next, depth + 1);
  }
  return randomScalar(field, next);
}

/** A message of `desc` with a random subset of its fields set (oneofs: at most one member). */
function randomMessage(desc: DescMessage, next: () => number, depth = 0): Message {
  const init: Record<string, unknown> = {};
  for (const member of desc.members) {
    if (next() < 0.3 || (depth > 2 && next() < 0.8)) continue;
    if (member.kind === 'oneof') {
      const field = member.fields[Math.floor(next() * member.fields.length)]!;
      if (field.fieldKind === 'message' && depth > 2) continue;
      init[member.localName] = { case: field.localName, value: randomValue(field, next, depth) };
    } else if (member.fieldKind === 'list') {
      if (member.listKind === 'message' && depth > 2) continue;
      init[member.localName] = Array.from({ length: Math.floor(next() * 4) }, () => randomValue(member, next, depth));
    } else if (member.fieldKind !== 'map') {
      if (member.fieldKind === 'message' && depth > 2) continue;
      init[member.localName] = randomValue(member, next, depth);
    }
  }
  return create(desc, init);
}

describe('wireToJsonText', () => {
  it('writes every message type of our API exactly as toJson, over 300 random messages each', () => {
    const types = [...registry].filter((t): t is DescMessage => t.kind === 'message' && t.typeName.startsWith('threadweaver.'));
    expect(types.length).toBeGreaterThan(20);
    const next = randomSource(7);
    for (const desc of types) {
      for (let i = 0; i < 300; i++) {
        const bytes = toBinary(desc, randomMessage(desc, next));
        // Our API's shapes are all covered: none falls back to the library.
        expect([desc.typeName, wireToJsonText(desc, bytes)]).toEqual([desc.typeName, reference(desc, bytes, registry)]);
      }
    }
  });

  it('writes every scalar type, enum, optional, oneof, nested and repeated field exactly as toJson', () => {
    const next = randomSource(11);
    for (let i = 0; i < 3_000; i++) {
      const bytes = toBinary(everything, randomMessage(everything, next));
      expect(wireToJsonText(everything, bytes)).toBe(reference(everything, bytes));
    }
  });

  it('writes an empty message with every implicit field at its zero value', () => {
    const text = wireToJsonText(everything, new Uint8Array())!;
    expect(text).toBe(reference(everything, new Uint8Array()));
    expect(JSON.parse(text)).toMatchObject({ i64: '0', s: '', b: false, colour: 'COLOUR_UNSPECIFIED', repS: [], otherName: '' });
  });

  it('reads repeated numbers both packed and unpacked, and skips unknown fields', () => {
    const writer = new BinaryWriter();
    writer.tag(103, WireType.Varint).int64(-5n).tag(103, WireType.Varint).int64(7n); // rep_i64, unpacked
    writer.tag(105, WireType.LengthDelimited).fork().int32(-1).int32(2).join(); // rep_i32, packed
    writer.tag(999, WireType.LengthDelimited).string('unknown').tag(998, WireType.Bit32).fixed32(1);
    writer.tag(9, WireType.LengthDelimited).string('first').tag(9, WireType.LengthDelimited).string('last'); // last wins
    const bytes = writer.finish();
    const text = wireToJsonText(everything, bytes)!;
    expect(text).toBe(reference(everything, bytes));
    expect(JSON.parse(text)).toMatchObject({ repI64: ['-5', '7'], repI32: [-1, 2], s: 'last' });
  });

  it('keeps the last member of a oneof sent twice, as the library does', () => {
    const bytes = new BinaryWriter().tag(40, WireType.LengthDelimited).string('text').tag(41, WireType.Varint).int32(3).finish();
    expect(wireToJsonText(everything, bytes)).toBe(reference(everything, bytes));
    expect(JSON.parse(wireToJsonText(everything, bytes)!)).toMatchObject({ choiceNumber: 3 });
    expect(JSON.parse(wireToJsonText(everything, bytes)!)).not.toHaveProperty('choiceText');
  });

  it.each([
    ['a singular message sent twice (the library merges them)', new BinaryWriter().tag(32, WireType.LengthDelimited).bytes(new Uint8Array()).tag(32, WireType.LengthDelimited).bytes(new Uint8Array()).finish()],
    ['an enum number the enum does not have', new BinaryWriter().tag(30, WireType.Varint).int32(42).finish()],
    ['a Timestamp out of proto3 JSON range', new BinaryWriter().tag(34, WireType.LengthDelimited).fork().tag(1, WireType.Varint).int64(253_402_300_800n).join().finish()],
    ['invalid UTF-8 in a string', new BinaryWriter().tag(9, WireType.LengthDelimited).bytes(Uint8Array.of(0xc3, 0x28)).finish()],
    ['a truncated field', new BinaryWriter().tag(9, WireType.LengthDelimited).string('cut here').finish().subarray(0, 5)],
    ['a field of the wrong wire type', new BinaryWriter().tag(5, WireType.LengthDelimited).string('x').finish()],
  ])('gives up on %s, leaving it to the library', (_name, bytes) => {
    expect(wireToJsonText(everything, bytes)).toBeUndefined();
  });

  it('gives up on a message with a map field', () => {
    const bytes = toBinary(withMap, create(withMap, { id: 'x', counts: { a: 1 } }));
    expect(wireToJsonText(withMap, bytes)).toBeUndefined();
  });
});

describe('responseJsonText', () => {
  /** A real route answering with `output` instead, as if an RPC returned that type. */
  const answering = (output: DescMessage, responseBody = ''): Route => {
    const route = routes.find((r) => r.method.name === 'GetThread')!;
    return { ...route, responseBody, method: { ...route.method, output } };
  };

  it('writes what the wire writer leaves to the library with the same text toJson gives', () => {
    const bytes = toBinary(withMap, create(withMap, { id: 'x', counts: { a: 1, b: -2 } }));
    expect(responseJsonText(answering(withMap), bytes, testRegistry)).toBe(reference(withMap, bytes));
  });

  it('writes only the response_body field when the rule names one', () => {
    const bytes = toBinary(everything, create(everything, { s: 'inner', child: { i32: 5 } }));
    expect(JSON.parse(responseJsonText(answering(everything, 'child'), bytes, testRegistry))).toMatchObject({ i32: 5, s: '' });
  });
});
