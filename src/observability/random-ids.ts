import { randomFillSync } from 'node:crypto';

/*
 * Random bytes for the ids made per request (X-Request-Id, trace and span ids), from one pool refilled
 * 64 KiB at a time. crypto.randomUUID refills every 2 KiB, and on the bench machine that system call
 * cost ~0.5 µs a request averaged over the ids it served; OpenTelemetry's generator uses Math.random,
 * which is not meant for ids that must not collide across replicas.
 */
const POOL_BYTES = 64 * 1024;
const pool = Buffer.alloc(POOL_BYTES);
let next = POOL_BYTES;

/** The pool's offset of `length` fresh random bytes (at most the pool), valid until the next call. */
function take(length: number): number {
  if (next + length > POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  const at = next;
  next += length;
  return at;
}

/*
 * Trace and span ids are cut from a string of random hex, made 4 KiB of bytes at a time by one native
 * call: a cut is a view of that string (V8's sliced string), flat as the span encoder and the header
 * writes want it, where an id put together a byte at a time would be a chain of pieces each of them
 * has to flatten first, and a native call per id cost more than the cut.
 */
const HEX_POOL_BYTES = 4096;
const ZERO = 0x30;
let hexPool = '';
let hexNext = 0;

/** `length` random bytes as lowercase hex, never all zeros (W3C Trace Context calls that invalid). */
export function randomHexId(length: number): string {
  const digits = 2 * length;
  if (hexNext + digits > hexPool.length) {
    const at = take(HEX_POOL_BYTES);
    hexPool = pool.toString('hex', at, at + HEX_POOL_BYTES);
    hexNext = 0;
  }
  const id = hexPool.slice(hexNext, hexNext + digits);
  hexNext += digits;
  for (let i = 0; i < digits; i += 1) if (id.charCodeAt(i) !== ZERO) return id;
  return randomHexId(length);
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Where each of the 16 bytes' two digits go in the 36 characters, around the dashes. */
const UUID_DIGITS_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const uuid = Buffer.from('00000000-0000-4000-8000-000000000000', 'latin1');

/** A random UUID (RFC 9562 §5.4, version 4), lower-case, as crypto.randomUUID writes it. */
export function randomUuid(): string {
  const at = take(16);
  for (let i = 0; i < 16; i += 1) {
    let byte = pool[at + i] as number;
    // Version 4 in the high nibble of byte 6, variant 0b10 in the two high bits of byte 8.
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    const digits = UUID_DIGITS_AT[i] as number;
    uuid[digits] = HEX_DIGITS[byte >>> 4] as number;
    uuid[digits + 1] = HEX_DIGITS[byte & 0x0f] as number;
  }
  return uuid.toString('latin1');
}

/** OpenTelemetry's IdGenerator, from the pool. */
export const randomIdGenerator = {
  generateTraceId: (): string => randomHexId(16),
  generateSpanId: (): string => randomHexId(8),
};
