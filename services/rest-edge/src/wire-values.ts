import { isUtf8 } from 'node:buffer';
import { ScalarType } from '@bufbuild/protobuf';

// Reading protobuf wire values as JSON text, for wire-json.ts: a cursor
// over the bytes and, per scalar type, how a value is read and written.
// Not @bufbuild/protobuf's BinaryReader: that one bounds reads by the whole
// buffer, so a field running past the end of its nested message would be
// read from the parent's bytes instead of handing the reply to the library;
// and it allocates per tag and makes a BigInt per 64-bit value, where
// sequence numbers almost always fit in 32 bits.

/** Thrown inside the wire writer to give up; never leaves `wireToJsonText` (wire-json.ts). */
class LeftToTheLibrary extends Error {
  override readonly name = 'LeftToTheLibrary';
}
// One instance, made once: giving up builds no stack trace.
export const unsupported = new LeftToTheLibrary('not covered by the wire writer');
export const wire = { varint: 0, fixed64: 1, delimited: 2, fixed32: 5 } as const;

/** A cursor over one message's bytes. */
export class Cursor {
  pos: number;
  // The last varint read, as two 32-bit halves.
  lo = 0;
  hi = 0;
  constructor(
    readonly buf: Buffer,
    start: number,
    /** Where the message being read ends; narrowed while reading a nested one. */
    public end: number,
  ) {
    this.pos = start;
  }

  /** Reads a varint into lo/hi. */
  varint(): void {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw unsupported;
      const byte = this.buf[this.pos++]!;
      if (i < 4) lo |= (byte & 0x7f) << shift;
      else if (i === 4) {
        lo |= (byte & 0x0f) << 28;
        hi = (byte & 0x70) >> 4;
      } else hi |= (byte & 0x7f) << (shift - 32);
      shift += 7;
      if (byte < 0x80) {
        this.lo = lo;
        this.hi = hi;
        return;
      }
    }
    throw unsupported;
  }

  /** Reads a length prefix and returns where the delimited bytes end. */
  delimited(): number {
    this.varint();
    const end = this.pos + (this.lo >>> 0);
    if (this.hi !== 0 || end > this.end) throw unsupported;
    return end;
  }

  take(size: number): number {
    const at = this.pos;
    if (at + size > this.end) throw unsupported;
    this.pos = at + size;
    return at;
  }

  skip(wireType: number): void {
    if (wireType === wire.varint) this.varint();
    else if (wireType === wire.fixed64) this.take(8);
    else if (wireType === wire.fixed32) this.take(4);
    else if (wireType === wire.delimited) this.pos = this.delimited();
    else throw unsupported;
  }
}

const uint64Text = (lo: number, hi: number): string =>
  hi === 0 ? String(lo >>> 0) : ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString();
const int64Text = (lo: number, hi: number): string =>
  hi === 0 && lo >= 0 ? String(lo) : BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString();
/** ZigZag-decoded 64-bit value as text. */
const sint64Text = (lo: number, hi: number): string => {
  const negative = lo & 1;
  const value = (BigInt(hi >>> 0) << 31n) | BigInt(lo >>> 1);
  return (negative ? -value - 1n : value).toString();
};
const floatText = (value: number): string =>
  Number.isNaN(value) ? '"NaN"' : value === Infinity ? '"Infinity"' : value === -Infinity ? '"-Infinity"' : String(value);

/**
 * A string field's bytes as a JSON string literal. Most of ours (ids, plain
 * text) are printable ASCII with nothing to escape: those are copied as they
 * are, the rest decoded and escaped by JSON.stringify.
 */
function stringText(buf: Buffer, start: number, end: number): string {
  let i = start;
  while (i < end) {
    const byte = buf[i]!;
    if (byte < 0x20 || byte > 0x7e || byte === 0x22 || byte === 0x5c) break;
    i++;
  }
  if (i === end) return `"${buf.toString('latin1', start, end)}"`;
  // proto3 strings must be UTF-8; fromBinary refuses them otherwise, and so do we (the caller then gets its error).
  if (!isUtf8(buf.subarray(start, end))) throw unsupported;
  return JSON.stringify(buf.toString('utf8', start, end));
}

/** Reads one value of a field (its wire type already checked) and returns its JSON text. */
export type ValueReader = (cursor: Cursor, depth: number) => string;

export interface ScalarCodec {
  readonly wireType: number;
  readonly read: ValueReader;
  /** The JSON of the zero value, written for an absent implicit-presence field. */
  readonly zero: string;
}

function varintCodec(text: (lo: number, hi: number) => string, zero = '0'): ScalarCodec {
  return {
    wireType: wire.varint,
    read: (c) => {
      c.varint();
      return text(c.lo, c.hi);
    },
    zero,
  };
}

function fixedCodec(size: 4 | 8, text: (buf: Buffer, at: number) => string, zero = '0'): ScalarCodec {
  return { wireType: size === 4 ? wire.fixed32 : wire.fixed64, read: (c) => text(c.buf, c.take(size)), zero };
}

/** A length-delimited value (string, bytes); absent, both are `""`. */
function delimitedCodec(text: (buf: Buffer, start: number, end: number) => string): ScalarCodec {
  return {
    wireType: wire.delimited,
    read: (c) => {
      const end = c.delimited();
      const start = c.pos;
      c.pos = end;
      return text(c.buf, start, end);
    },
    zero: '""',
  };
}

export const scalarCodecs: Record<ScalarType, ScalarCodec> = {
  [ScalarType.DOUBLE]: fixedCodec(8, (b, at) => floatText(b.readDoubleLE(at))),
  [ScalarType.FLOAT]: fixedCodec(4, (b, at) => floatText(b.readFloatLE(at))),
  // 64-bit integers are JSON strings.
  [ScalarType.INT64]: varintCodec((lo, hi) => `"${int64Text(lo, hi)}"`, '"0"'),
  [ScalarType.UINT64]: varintCodec((lo, hi) => `"${uint64Text(lo, hi)}"`, '"0"'),
  [ScalarType.INT32]: varintCodec((lo) => String(lo | 0)),
  [ScalarType.FIXED64]: fixedCodec(8, (b, at) => `"${b.readBigUInt64LE(at)}"`, '"0"'),
  [ScalarType.FIXED32]: fixedCodec(4, (b, at) => String(b.readUInt32LE(at))),
  [ScalarType.BOOL]: varintCodec((lo, hi) => (lo !== 0 || hi !== 0 ? 'true' : 'false'), 'false'),
  [ScalarType.STRING]: delimitedCodec(stringText),
  [ScalarType.BYTES]: delimitedCodec((buf, start, end) => `"${buf.toString('base64', start, end)}"`),
  [ScalarType.UINT32]: varintCodec((lo) => String(lo >>> 0)),
  [ScalarType.SFIXED32]: fixedCodec(4, (b, at) => String(b.readInt32LE(at))),
  [ScalarType.SFIXED64]: fixedCodec(8, (b, at) => `"${b.readBigInt64LE(at)}"`, '"0"'),
  [ScalarType.SINT32]: varintCodec((lo) => String((lo >>> 1) ^ -(lo & 1))),
  [ScalarType.SINT64]: varintCodec((lo, hi) => `"${sint64Text(lo, hi)}"`, '"0"'),
};
