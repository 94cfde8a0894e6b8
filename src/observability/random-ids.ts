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

/** The pool's offset of `length` fresh random bytes (at most 64), valid until the next call. */
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
 * The ids below are made with one native call each, so the strings come out flat: one put together a
 * piece at a time is a chain of pieces that every header write, log line and span encoding would have
 * to flatten first, which cost more than making it.
 */

/** `length` random bytes as lowercase hex, never all zeros (W3C Trace Context calls that invalid). */
export function randomHexId(length: number): string {
  const at = take(length);
  let any = 0;
  for (let i = 0; i < length; i += 1) any |= pool[at + i] as number;
  return any === 0 ? randomHexId(length) : pool.toString('hex', at, at + length);
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
