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

/** Two lowercase hex digits per byte value. */
export const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, byte) =>
  byte.toString(16).padStart(2, '0'),
);

/** `length` fresh random bytes (at most 64): a view of the pool, valid until the next call. */
export function randomBytes(length: number): Buffer {
  if (next + length > POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  const at = next;
  next += length;
  return pool.subarray(at, at + length);
}

/** `length` random bytes as lowercase hex, never all zeros (W3C Trace Context calls that invalid). */
export function randomHexId(length: number): string {
  const bytes = randomBytes(length);
  let hex = '';
  let any = 0;
  for (let i = 0; i < length; i += 1) {
    const byte = bytes[i] as number;
    any |= byte;
    hex += HEX_BYTE[byte] as string;
  }
  return any === 0 ? randomHexId(length) : hex;
}

/** OpenTelemetry's IdGenerator, from the pool. */
export const randomIdGenerator = {
  generateTraceId: (): string => randomHexId(16),
  generateSpanId: (): string => randomHexId(8),
};
