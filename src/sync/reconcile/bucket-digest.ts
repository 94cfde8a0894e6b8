import { createHash } from 'node:crypto';

import { rowFingerprint } from '../canonical-row.ts';
import type { CanonicalRow } from '../canonical-row.ts';
import type { SyncEntity } from '../sync-entities.ts';

/**
 * Order-independent digests of one side's rows in B buckets. The bucket comes from the key alone, so the
 * two engines may return rows in different orders (SQL Server sorts uniqueidentifier by its last byte
 * group first) and still fill the same buckets; within a bucket the row hashes are combined with XOR
 * (keys are unique, so nothing cancels out) and counted.
 */
export class BucketDigest {
  readonly buckets: number;
  private readonly high: Uint32Array;
  private readonly low: Uint32Array;
  private readonly counts: Uint32Array;
  rows = 0;

  constructor(buckets: number) {
    this.buckets = buckets;
    this.high = new Uint32Array(buckets);
    this.low = new Uint32Array(buckets);
    this.counts = new Uint32Array(buckets);
  }

  add(entity: SyncEntity, key: string, row: CanonicalRow): void {
    const bucket = bucketOf(key, this.buckets);
    const hash = createHash('sha1').update(rowFingerprint(entity, row)).digest();
    this.high[bucket] = (this.high[bucket] ?? 0) ^ hash.readUInt32BE(0);
    this.low[bucket] = (this.low[bucket] ?? 0) ^ hash.readUInt32BE(4);
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.rows += 1;
  }

  /** Buckets whose contents differ between the two sides. */
  differingBuckets(other: BucketDigest): Set<number> {
    const differing = new Set<number>();
    for (let b = 0; b < this.buckets; b += 1) {
      if (
        this.high[b] !== other.high[b] ||
        this.low[b] !== other.low[b] ||
        this.counts[b] !== other.counts[b]
      ) {
        differing.add(b);
      }
    }
    return differing;
  }
}

/** FNV-1a over the canonical key: cheap, stable across processes and engines. */
export function bucketOf(key: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % buckets;
}
