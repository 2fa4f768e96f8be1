import type { DescField, DescMessage } from '@bufbuild/protobuf';
import { FeatureSet_FieldPresence } from '@bufbuild/protobuf/wkt';
import { formatTimestamp } from './timestamp-json.js';
import { Cursor, scalarCodecs, unsupported, wire, type ValueReader } from './wire-values.js';

// Protobuf binary straight to proto3 JSON text, for the edge's responses.
//
// Why our own: the library path (fromBinary → message → toJson → object →
// JSON.stringify) builds two object trees per response and was a third of
// the edge's CPU on a page of 100 messages. This writer walks the wire bytes
// once, by a plan compiled per message type from the same descriptors, and
// writes text. It covers the shapes our API returns; anything else (maps,
// well-known types other than Timestamp, extensions, groups, a singular
// message field sent twice, an unknown enum number, invalid UTF-8, bytes it
// cannot read) makes it give up, and the caller uses the library path, whose
// output it must equal (wire-json.unit.test.ts checks that against toJson).

const maxDepth = 100;
/** Field numbers below this are looked up in an array, the rest in a map. */
const maxIndexedNumber = 1024;
const timestampTypeName = 'google.protobuf.Timestamp';
// The range proto3 JSON allows for a Timestamp.
const minSeconds = -62_135_596_800;
const maxSeconds = 253_402_300_799;

/** How one field is read and written. */
interface FieldPlan {
  /** `"jsonName":` */
  readonly key: string;
  readonly wireType: number;
  readonly read: ValueReader;
  readonly repeated: boolean;
  /** Packed encoding (wire type 2) is accepted for repeated numeric fields. */
  readonly packable: boolean;
  readonly isMessage: boolean;
  /** Written when the field is absent: the zero value, `[]`, or nothing (explicit presence). */
  readonly absent: string | undefined;
  /** Index of the field's oneof in the message plan, -1 if none. */
  readonly oneof: number;
}

interface MessagePlan {
  /** Fields by number order, which is the order toJson writes keys in. */
  readonly fields: FieldPlan[];
  /** Field number → index in `fields` (-1: unknown), for numbers below {@link maxIndexedNumber}. */
  readonly indexByNumber: Int32Array;
  /** Field number → index for larger numbers. */
  readonly indexOfLarge: Map<number, number>;
  readonly oneofCount: number;
}

type Plan = MessagePlan | 'timestamp' | 'unsupported';
const plans = new WeakMap<DescMessage, Plan>();

function planFor(desc: DescMessage): Plan {
  const cached = plans.get(desc);
  if (cached !== undefined) return cached;
  if (desc.typeName === timestampTypeName) return 'timestamp';
  // Other well-known types have JSON forms of their own; extensions are written from the registry.
  if (desc.typeName.startsWith('google.protobuf.') || desc.proto.extensionRange.length > 0) return 'unsupported';
  const top = Math.min(maxIndexedNumber, Math.max(0, ...desc.fields.map((f) => f.number + 1)));
  const plan: MessagePlan = { fields: [], indexByNumber: new Int32Array(top).fill(-1), indexOfLarge: new Map(), oneofCount: desc.oneofs.length };
  // Registered before its fields are planned, so recursive types find it.
  plans.set(desc, plan);
  const sorted = desc.fields.concat().sort((a, b) => a.number - b.number);
  for (const field of sorted) {
    const fieldPlan = planField(desc, field);
    if (fieldPlan === undefined) {
      plans.set(desc, 'unsupported');
      return 'unsupported';
    }
    if (field.number < top) plan.indexByNumber[field.number] = plan.fields.length;
    else plan.indexOfLarge.set(field.number, plan.fields.length);
    plan.fields.push(fieldPlan);
  }
  return plan;
}

function planField(desc: DescMessage, field: DescField): FieldPlan | undefined {
  // An integer-like JSON name would come first in toJson's object, out of field order.
  const delimited = (field.fieldKind === 'message' || (field.fieldKind === 'list' && field.listKind === 'message')) && field.delimitedEncoding;
  if (field.fieldKind === 'map' || delimited || field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED || /^\d+$/.test(field.jsonName)) return undefined;
  const repeated = field.fieldKind === 'list';
  const kind = field.fieldKind === 'list' ? field.listKind : field.fieldKind;
  const oneof = field.oneof === undefined ? -1 : desc.oneofs.indexOf(field.oneof);
  const base = { key: `${JSON.stringify(field.jsonName)}:`, repeated, oneof };
  const absentOf = (zero: string): string | undefined =>
    repeated ? '[]' : field.presence === FeatureSet_FieldPresence.IMPLICIT && oneof === -1 ? zero : undefined;
  if (kind === 'message') {
    const target = field.message!;
    return { ...base, wireType: wire.delimited, read: (c, depth) => messageText(target, c, depth + 1), packable: false, isMessage: true, absent: repeated ? '[]' : undefined };
  }
  if (kind === 'enum') {
    const enumDesc = field.enum!;
    if (enumDesc.typeName === 'google.protobuf.NullValue') return undefined;
    const names = new Map(enumDesc.values.map((v) => [v.number, JSON.stringify(v.name)]));
    const read: ValueReader = (c) => {
      c.varint();
      const name = names.get(c.lo | 0);
      if (name === undefined) throw unsupported;
      return name;
    };
    return { ...base, wireType: wire.varint, read, packable: repeated, isMessage: false, absent: absentOf(names.get(enumDesc.values[0]!.number)!) };
  }
  const codec = scalarCodecs[field.scalar!];
  return { ...base, wireType: codec.wireType, read: codec.read, packable: repeated && codec.wireType !== wire.delimited, isMessage: false, absent: absentOf(codec.zero) };
}

/** The JSON text of the message of type `desc` whose length prefix is at the cursor, advancing past it. */
function messageText(desc: DescMessage, cursor: Cursor, depth: number): string {
  if (depth > maxDepth) throw unsupported;
  const end = cursor.delimited();
  const outerEnd = cursor.end;
  cursor.end = end;
  const text = bodyText(desc, cursor, depth);
  cursor.end = outerEnd;
  return text;
}

function fieldIndex(plan: MessagePlan, fieldNumber: number): number {
  return fieldNumber < plan.indexByNumber.length ? plan.indexByNumber[fieldNumber]! : (plan.indexOfLarge.get(fieldNumber) ?? -1);
}

/** Reads one repeated field's occurrence (one value, or a packed run) onto `list`. */
function readRepeated(field: FieldPlan, cursor: Cursor, wireType: number, depth: number, list: string[]): void {
  if (wireType === field.wireType) {
    list.push(field.read(cursor, depth));
    return;
  }
  if (wireType !== wire.delimited || !field.packable) throw unsupported;
  const packedEnd = cursor.delimited();
  const outerEnd = cursor.end;
  cursor.end = packedEnd;
  while (cursor.pos < packedEnd) list.push(field.read(cursor, depth));
  cursor.end = outerEnd;
}

/** Reads the fields up to `cursor.end` and writes them, in field-number order, as a JSON object. */
function bodyText(desc: DescMessage, cursor: Cursor, depth: number): string {
  const plan = planFor(desc);
  if (plan === 'unsupported') throw unsupported;
  if (plan === 'timestamp') return timestampText(cursor);
  const count = plan.fields.length;
  const values: (string | string[] | undefined)[] = [];
  for (let i = 0; i < count; i++) values.push(undefined);
  let oneofSet: number[] | undefined;
  while (cursor.pos < cursor.end) {
    cursor.varint();
    const tag = cursor.lo >>> 0;
    const wireType = tag & 7;
    const index = fieldIndex(plan, tag >>> 3);
    if (index === -1) {
      // Unknown fields are not part of proto3 JSON.
      cursor.skip(wireType);
      continue;
    }
    const field = plan.fields[index]!;
    if (field.repeated) {
      readRepeated(field, cursor, wireType, depth, (values[index] ??= []) as string[]);
      continue;
    }
    if (wireType !== field.wireType) throw unsupported;
    // A singular message sent twice is merged by the library; leave that to it.
    if (field.isMessage && values[index] !== undefined) throw unsupported;
    if (field.oneof !== -1) {
      oneofSet ??= new Array<number>(plan.oneofCount).fill(-1);
      const previous = oneofSet[field.oneof]!;
      if (previous !== -1 && previous !== index) {
        if (plan.fields[previous]!.isMessage || field.isMessage) throw unsupported;
        values[previous] = undefined;
      }
      oneofSet[field.oneof] = index;
    }
    values[index] = field.read(cursor, depth);
  }
  let text = '{';
  for (let i = 0; i < count; i++) {
    const field = plan.fields[i]!;
    const value = values[i];
    const json = value === undefined ? field.absent : typeof value === 'string' ? value : `[${value.join(',')}]`;
    if (json === undefined) continue;
    text += text.length === 1 ? field.key : `,${field.key}`;
    text += json;
  }
  return `${text}}`;
}

function timestampText(cursor: Cursor): string {
  let seconds = 0;
  let nanos = 0;
  while (cursor.pos < cursor.end) {
    cursor.varint();
    const tag = cursor.lo >>> 0;
    if (tag === ((1 << 3) | wire.varint)) {
      cursor.varint();
      seconds = cursor.hi * 4_294_967_296 + (cursor.lo >>> 0);
    } else if (tag === ((2 << 3) | wire.varint)) {
      cursor.varint();
      nanos = cursor.lo | 0;
    } else cursor.skip(tag & 7);
  }
  // Out of range: the library's error, not a text of ours.
  if (!(seconds >= minSeconds && seconds <= maxSeconds) || !(nanos >= 0 && nanos <= 999_999_999)) throw unsupported;
  return `"${formatTimestamp(seconds, nanos)}"`;
}

/**
 * The proto3 JSON text (`alwaysEmitImplicit`, as toJson writes it) of the
 * `desc` message in `bytes`, or undefined when the bytes hold something this
 * writer leaves to the library (see the top of this file).
 */
export function wireToJsonText(desc: DescMessage, bytes: Uint8Array): string | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return bodyText(desc, new Cursor(buf, 0, buf.length), 0);
  } catch (err) {
    if (err === unsupported) return undefined;
    throw err;
  }
}
