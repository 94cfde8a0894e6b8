import type { AttributeValue, Attributes } from '@opentelemetry/api';

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/#structure). */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

const TWO_32 = 4294967296;
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

const MEMO_BYTES = 16;

/** The last id written through it, as hex and as bytes (ProtoWriter.hexBytes). */
export interface HexMemo {
  hex: string;
  readonly bytes: Uint8Array;
}

export function hexMemo(): HexMemo {
  return { hex: '', bytes: new Uint8Array(MEMO_BYTES) };
}

/**
 * A forward protobuf writer over one growing Buffer, reused batch after batch. A nested message gets
 * one byte for its length and is moved up when it turns out longer than 127 bytes, which gives the
 * minimal encoding (the bytes OpenTelemetry's own serializer writes) in one pass.
 */
export class ProtoWriter {
  buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  pos = 0;

  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** The bytes written since `reset`, copied: the buffer is reused while the export is in flight. */
  take(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, 0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }

  tag(field: number, wire: number): void {
    const key = (field << 3) | wire;
    if (key > 127) return this.varint(key);
    this.ensure(1);
    this.buf[this.pos++] = key;
  }

  /** Unsigned up to 2^53, or a negative int64 in two's complement (ten bytes), as protobuf's int64. */
  varint(value: number): void {
    this.ensure(10);
    const { buf } = this;
    if (value >= 0 && value < TWO_32) {
      let v = value >>> 0;
      while (v > 127) {
        buf[this.pos++] = (v & 127) | 128;
        v >>>= 7;
      }
      buf[this.pos++] = v;
      return;
    }
    const abs = Math.abs(value);
    let low = abs >>> 0;
    let high = (abs / TWO_32) >>> 0;
    if (value < 0) {
      low = (~low + 1) >>> 0;
      high = (~high + (low === 0 ? 1 : 0)) >>> 0;
    }
    while (high > 0 || low > 127) {
      buf[this.pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[this.pos++] = low & 127;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32LE(value >>> 0, this.pos);
  }

  double(value: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(value, this.pos);
  }

  /** An [seconds, nanoseconds] time as fixed64 nanoseconds since the epoch. */
  hrTime(time: readonly [number, number]): void {
    // seconds × 10⁹ passes 2⁵³, so the product is built from the seconds' low 16 bits and the rest.
    const [seconds, nanos] = time;
    const fromLow = (seconds & 0xffff) * 1e9;
    const fromHigh = ((seconds / 0x10000) >>> 0) * 1e9;
    const low = (fromLow >>> 0) + ((((fromHigh & 0xffff) * 0x10000) >>> 0) + nanos);
    const high = Math.floor(fromLow / TWO_32) + ((fromHigh / 0x10000) >>> 0) + Math.floor(low / TWO_32);
    this.ensure(8);
    this.buf.writeUInt32LE(low >>> 0, this.pos);
    this.buf.writeUInt32LE(high >>> 0, this.pos + 4);
    this.pos += 8;
  }

  string(text: string): void {
    // Names, keys and most values are short ASCII: a loop is cheaper than a call into C++ for them.
    const length = text.length;
    if (length < 128) {
      this.ensure(length + 1);
      const { buf } = this;
      const at = this.pos + 1;
      let i = 0;
      for (; i < length; i += 1) {
        const code = text.charCodeAt(i);
        if (code > 127) break;
        buf[at + i] = code;
      }
      if (i === length) {
        buf[this.pos] = length;
        this.pos = at + length;
        return;
      }
    }
    const bytes = Buffer.byteLength(text);
    this.varint(bytes);
    this.ensure(bytes);
    this.pos += this.buf.write(text, this.pos, bytes, 'utf8');
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** A lowercase hex id (trace or span id) as its bytes; `memo` keeps the last one for a repeat. */
  hexBytes(hex: string, memo?: HexMemo): void {
    const length = hex.length >>> 1;
    this.varint(length);
    this.ensure(length);
    const { buf } = this;
    const at = this.pos;
    this.pos = at + length;
    const remembered = memo !== undefined && length <= MEMO_BYTES;
    if (remembered && hex === memo.hex) {
      for (let i = 0; i < length; i += 1) buf[at + i] = memo.bytes[i] as number;
      return;
    }
    for (let i = 0; i < length; i += 1) {
      buf[at + i] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1));
    }
    if (!remembered) return;
    memo.hex = hex;
    for (let i = 0; i < length; i += 1) memo.bytes[i] = buf[at + i] as number;
  }

  /** Starts a length-delimited field; `end(start)` writes its length. */
  begin(field: number): number {
    this.tag(field, LEN);
    this.ensure(1);
    return this.pos++;
  }

  end(start: number): void {
    const length = this.pos - start - 1;
    if (length < 128) {
      this.buf[start] = length;
      return;
    }
    const extra = length < 16384 ? 1 : length < 2097152 ? 2 : length < 268435456 ? 3 : 4;
    this.ensure(extra);
    this.buf.copy(this.buf, start + 1 + extra, start + 1, this.pos);
    const end = this.pos + extra;
    this.pos = start;
    this.varint(length);
    this.pos = end;
  }

  /** Repeated KeyValue (opentelemetry/proto/common/v1/common.proto). */
  attributes(field: number, attributes: Attributes): void {
    for (const key in attributes) {
      if (!Object.hasOwn(attributes, key)) continue;
      const pair = this.begin(field);
      this.tag(1, LEN);
      this.string(key);
      const value = this.begin(2);
      this.anyValue(attributes[key]);
      this.end(value);
      this.end(pair);
    }
  }

  private anyValue(value: AttributeValue | Uint8Array | undefined | null): void {
    if (typeof value === 'string') {
      this.tag(1, LEN);
      this.string(value);
    } else if (typeof value === 'boolean') {
      this.tag(2, VARINT);
      this.varint(value ? 1 : 0);
    } else if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        this.tag(3, VARINT);
        this.varint(value);
      } else {
        this.tag(4, FIXED64);
        this.double(value);
      }
    } else if (value instanceof Uint8Array) {
      this.tag(7, LEN);
      this.bytes(value);
    } else if (Array.isArray(value)) {
      const array = this.begin(5);
      for (const item of value) {
        const element = this.begin(1);
        this.anyValue(item);
        this.end(element);
      }
      this.end(array);
    } else if (typeof value === 'object' && value !== null) {
      const list = this.begin(6);
      this.attributes(1, value as Attributes);
      this.end(list);
    }
  }
}

/** A hex digit's value (either case); the SDK validates its ids, so anything else never comes. */
function nibble(code: number): number {
  return code <= 57 ? code - 48 : (code | 32) - 87;
}
