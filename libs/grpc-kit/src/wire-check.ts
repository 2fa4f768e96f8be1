import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Finds the first problem that would make a decoder silently drop or
 * misread a field: a known field sent with the wrong wire type, a string
 * that is not UTF-8, or bytes that are not protobuf at all. ts-proto's
 * generated decoders skip a field whose wire type does not match, so a
 * `request_id` sent as a varint would otherwise read as "" and be replaced
 * by a server-made id. Returns a message naming the proto field path
 * (`messages[2].text`), or undefined when the bytes are well formed.
 * Unknown field numbers are skipped, as protobuf's evolution rules require.
 */
export function findWireProblem(desc: DescMessage, bytes: Uint8Array): string | undefined {
  try {
    return checkMessage(desc, bytes, '', 0);
  } catch (err) {
    return `request is not a valid ${desc.typeName} message (${err instanceof Error ? err.message : String(err)})`;
  }
}

const maxDepth = 64;

function checkMessage(desc: DescMessage, bytes: Uint8Array, prefix: string, depth: number): string | undefined {
  if (depth > maxDepth) return `${prefix || desc.typeName}: nested too deeply`;
  const reader = new BinaryReader(bytes);
  const counts = new Map<number, number>();
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    const field = desc.fields.find((f) => f.number === fieldNo);
    if (field === undefined) {
      reader.skip(wireType, fieldNo);
      continue;
    }
    const index = counts.get(fieldNo) ?? 0;
    counts.set(fieldNo, index + 1);
    const path = `${prefix}${field.name}`;
    const problem = checkField(field, wireType, reader, path, index, depth);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function checkField(field: DescField, wireType: WireType, reader: BinaryReader, path: string, index: number, depth: number): string | undefined {
  switch (field.fieldKind) {
    case 'scalar':
      return checkScalar(field.scalar, wireType, reader, path);
    case 'enum':
      return checkScalar(ScalarType.INT32, wireType, reader, path);
    case 'message':
      return checkSubMessage(field.message, wireType, reader, path, depth);
    case 'map':
      return expectWireType(wireType, WireType.LengthDelimited, path) ?? skip(reader, wireType);
    case 'list': {
      const element = `${path}[${index}]`;
      if (field.listKind === 'message') return checkSubMessage(field.message, wireType, reader, element, depth);
      const scalar = field.listKind === 'enum' ? ScalarType.INT32 : field.scalar;
      // Numeric lists may come packed (one length-delimited run) or one element a tag.
      if (wireType === WireType.LengthDelimited && scalarWireType(scalar) !== WireType.LengthDelimited) return skip(reader, wireType);
      return checkScalar(scalar, wireType, reader, element);
    }
  }
}

function checkSubMessage(desc: DescMessage, wireType: WireType, reader: BinaryReader, path: string, depth: number): string | undefined {
  const wrong = expectWireType(wireType, WireType.LengthDelimited, path);
  if (wrong !== undefined) return wrong;
  return checkMessage(desc, reader.bytes(), `${path}.`, depth + 1);
}

function checkScalar(scalar: ScalarType, wireType: WireType, reader: BinaryReader, path: string): string | undefined {
  const wrong = expectWireType(wireType, scalarWireType(scalar), path);
  if (wrong !== undefined) return wrong;
  if (isInt64(scalar)) return checkSafeInteger(scalar, reader, path);
  if (scalar !== ScalarType.STRING) return skip(reader, wireType);
  try {
    strictUtf8.decode(reader.bytes());
  } catch {
    return `${path}: must be valid UTF-8 text`;
  }
  return undefined;
}

function isInt64(scalar: ScalarType): boolean {
  return [ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64].includes(scalar);
}

/**
 * Our stubs read 64-bit integers as JavaScript numbers (ts-proto
 * `forceLong=number`), whose decoder throws on a value beyond
 * Number.MAX_SAFE_INTEGER without saying which field held it.
 */
function checkSafeInteger(scalar: ScalarType, reader: BinaryReader, path: string): string | undefined {
  const value = BigInt(readInt64(scalar, reader));
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return `${path}: must be at most ${Number.MAX_SAFE_INTEGER}, got ${value}`;
  if (value < BigInt(Number.MIN_SAFE_INTEGER)) return `${path}: must be at least ${Number.MIN_SAFE_INTEGER}, got ${value}`;
  return undefined;
}

function readInt64(scalar: ScalarType, reader: BinaryReader): bigint | string {
  switch (scalar) {
    case ScalarType.UINT64:
      return reader.uint64();
    case ScalarType.SINT64:
      return reader.sint64();
    case ScalarType.FIXED64:
      return reader.fixed64();
    case ScalarType.SFIXED64:
      return reader.sfixed64();
    default:
      return reader.int64();
  }
}

function skip(reader: BinaryReader, wireType: WireType): undefined {
  reader.skip(wireType);
  return undefined;
}

function expectWireType(actual: WireType, expected: WireType, path: string): string | undefined {
  if (actual === expected) return undefined;
  return `${path}: expected ${wireTypeNames[expected]} on the wire, got ${wireTypeNames[actual] ?? `wire type ${actual}`}`;
}

const wireTypeNames: Record<number, string> = {
  [WireType.Varint]: 'a varint',
  [WireType.Bit64]: 'a 64-bit value',
  [WireType.LengthDelimited]: 'a length-delimited value (string, bytes or message)',
  [WireType.StartGroup]: 'a group start',
  [WireType.EndGroup]: 'a group end',
  [WireType.Bit32]: 'a 32-bit value',
};

function scalarWireType(scalar: ScalarType): WireType {
  switch (scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}
