import { fastHash64, rowFingerprint } from '../canonical-row.ts';
import type { CanonicalRow } from '../canonical-row.ts';
import type { SyncEntity } from '../sync-entities.ts';

/**
 * Order-independent digests of one side's rows in 16^d buckets. A row's bucket is the first d hex
 * digits of its canonical (lower-case) key, so both engines fill the same buckets whatever order they
 * return rows in (SQL Server sorts uniqueidentifier by its last byte group first), and the rows of one
 * bucket can be fetched again as a key range. Within a bucket the 64-bit row hashes are combined with
 * XOR (keys are unique, so nothing cancels out) and counted.
 * Keys are random GUIDs here, so buckets fill evenly; sequential GUIDs would only make them uneven.
 */
export class BucketDigest {
  readonly digits: number;
  readonly buckets: number;
  private readonly high: Uint32Array;
  private readonly low: Uint32Array;
  private readonly counts: Uint32Array;
  rows = 0;

  constructor(digits: number) {
    if (!Number.isInteger(digits) || digits < 1 || digits > 5)
      throw new RangeError('bucket prefix digits must be 1..5');
    this.digits = digits;
    this.buckets = 16 ** digits;
    this.high = new Uint32Array(this.buckets);
    this.low = new Uint32Array(this.buckets);
    this.counts = new Uint32Array(this.buckets);
  }

  add(entity: SyncEntity, key: string, row: CanonicalRow): void {
    this.addFingerprint(key, rowFingerprint(entity, row));
  }

  addFingerprint(key: string, fingerprint: string): void {
    const bucket = this.bucketOf(key);
    const [a, b] = fastHash64(fingerprint);
    this.high[bucket] = (this.high[bucket] ?? 0) ^ a;
    this.low[bucket] = (this.low[bucket] ?? 0) ^ b;
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.rows += 1;
  }

  bucketOf(key: string): number {
    const bucket = Number.parseInt(key.slice(0, this.digits), 16);
    if (Number.isNaN(bucket)) throw new RangeError(`key ${key} is not a GUID`);
    return bucket;
  }

  /** Buckets whose contents differ between the two sides. */
  differingBuckets(other: BucketDigest): number[] {
    const differing: number[] = [];
    for (let b = 0; b < this.buckets; b += 1) {
      if (
        this.high[b] !== other.high[b] ||
        this.low[b] !== other.low[b] ||
        this.counts[b] !== other.counts[b]
      ) {
        differing.push(b);
      }
    }
    return differing;
  }

  /** The key range [from, to) of a bucket as canonical GUID text (to null for the last bucket). */
  keyRange(bucket: number): { from: string; to: string | null } {
    const guid = (prefix: string): string => {
      const hex = prefix.padEnd(32, '0');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    };
    const prefix = (n: number) => n.toString(16).padStart(this.digits, '0');
    return { from: guid(prefix(bucket)), to: bucket + 1 >= this.buckets ? null : guid(prefix(bucket + 1)) };
  }
}
