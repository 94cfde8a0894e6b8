import type pg from 'pg';

import type { Logger } from '../../observability/logger.ts';
import type { CanonicalRow } from '../canonical-row.ts';
import type { RowReader } from '../pg-row-reader.ts';
import type { SyncEntity } from '../sync-entities.ts';
import { BucketDigest } from './bucket-digest.ts';
import { compareRows } from './mismatch.ts';
import type { Mismatch, MismatchKind } from './mismatch.ts';
import { failReconRun, finishReconRun, startReconRun, storeMismatches } from './recon-runs.ts';

export interface ReconcileOptions {
  readonly chunkSize: number;
  /** Buckets are the first d hex digits of the key: 16^d buckets (3 → 4096). */
  readonly bucketDigits: number;
  /** Rows still different after this long are real differences, not changes in flight. */
  readonly lagWindowMs: number;
  readonly actor: string;
  /** Key ranges scanned at once per side (readers with a fast path only). */
  readonly parallelism: number;
}

export const DEFAULT_RECONCILE_OPTIONS: ReconcileOptions = {
  chunkSize: 10_000,
  bucketDigits: 3,
  lagWindowMs: 2000,
  actor: 'reconcile',
  parallelism: 2,
};

export interface ReconcileDeps {
  /** The new database: also where runs and mismatches are stored. */
  readonly newPool: Pick<pg.Pool, 'query'>;
  readonly legacy: RowReader;
  readonly newSide: RowReader;
  readonly logger: Logger;
  /** Rows just scanned, on either side (both are scanned at once), for a progress display. */
  readonly onRowsScanned?: (rows: number) => void;
}

export interface ReconcileResult {
  readonly runId: string;
  readonly entity: string;
  readonly legacyRows: number;
  readonly newRows: number;
  readonly differingBuckets: number;
  readonly mismatches: readonly Mismatch[];
  readonly counts: Readonly<Record<MismatchKind, number>>;
  readonly durationMs: number;
}

/**
 * Every row's fingerprint into the digest. With the reader's fast path, the key space is cut into
 * `parallelism` ranges scanned at once (each on its own connection), so the database formats rows on
 * several cores while this process hashes; without it, one keyset stream.
 */
async function digestAll(
  reader: RowReader,
  entity: SyncEntity,
  chunkSize: number,
  digest: BucketDigest,
  parallelism: number,
  onRows: (rows: number) => void = () => {},
): Promise<void> {
  const fast = reader.scanFingerprints?.bind(reader);
  if (fast === undefined) {
    await scanAll(reader, entity, chunkSize, (key, row) => digest.add(entity, key, row), onRows);
    return;
  }
  const bounds = Array.from({ length: parallelism + 1 }, (_, i) =>
    i === 0 || i === parallelism ? null : guidAt(i / parallelism),
  );
  await Promise.all(
    bounds.slice(0, -1).map(async (from, i) => {
      const before = bounds[i + 1] ?? null;
      // The lower bound itself is a key too: include it by starting just below it.
      let page = fast(entity, from === null ? null : previousGuid(from), chunkSize, before);
      for (;;) {
        const pairs = await page;
        const last = pairs.at(-1)?.[0];
        const more = pairs.length === chunkSize && last !== undefined;
        if (more) page = fast(entity, last, chunkSize, before);
        for (const [key, fingerprint] of pairs) digest.addFingerprint(key, fingerprint);
        onRows(pairs.length);
        if (!more) return;
      }
    }),
  );
}

/** The GUID at fraction f of the key space (by its first 8 hex digits). */
function guidAt(fraction: number): string {
  const head = Math.floor(fraction * 0x100000000)
    .toString(16)
    .padStart(8, '0');
  return `${head}-0000-0000-0000-000000000000`;
}

function previousGuid(guid: string): string {
  const head = Number.parseInt(guid.slice(0, 8), 16) - 1;
  return `${head.toString(16).padStart(8, '0')}-ffff-ffff-ffff-ffffffffffff`;
}

/** Keyset scan; the next page is already requested while this one is hashed. */
async function scanAll(
  reader: RowReader,
  entity: SyncEntity,
  chunkSize: number,
  visit: (key: string, row: CanonicalRow) => void,
  onRows: (rows: number) => void,
): Promise<void> {
  let page = reader.scan(entity, null, chunkSize);
  for (;;) {
    const rows = await page;
    const last = rows.at(-1)?.[entity.key.name] ?? null;
    const more = rows.length === chunkSize && last !== null;
    if (more) page = reader.scan(entity, last, chunkSize);
    for (const row of rows) visit(row[entity.key.name] ?? '', row);
    onRows(rows.length);
    if (!more) return;
  }
}

/**
 * Reconciles one entity: both sides scanned in key order in chunks, normalised to the
 * canonical form, hashed into buckets; the rows of differing buckets compared one by one; the
 * differences re-read after the lag window so changes still in flight are not reported; the run and its
 * mismatches stored in strangler.recon_run / recon_mismatch.
 */
export async function reconcileEntity(
  deps: ReconcileDeps,
  entity: SyncEntity,
  options: Partial<ReconcileOptions> = {},
): Promise<ReconcileResult> {
  const o: ReconcileOptions = { ...DEFAULT_RECONCILE_OPTIONS, ...options };
  const started = Date.now();
  const runId = await startReconRun(deps.newPool, entity.name, 16 ** o.bucketDigits, o.actor);
  try {
    const legacyDigest = new BucketDigest(o.bucketDigits);
    const newDigest = new BucketDigest(o.bucketDigits);
    await Promise.all([
      digestAll(deps.legacy, entity, o.chunkSize, legacyDigest, o.parallelism, deps.onRowsScanned),
      digestAll(deps.newSide, entity, o.chunkSize, newDigest, o.parallelism, deps.onRowsScanned),
    ]);
    const differing = legacyDigest.differingBuckets(newDigest);
    const ranges = differing.map((bucket) => legacyDigest.keyRange(bucket));
    const mismatches = ranges.length === 0 ? [] : await mismatchesIn(deps, entity, ranges, o.lagWindowMs);
    const counts: Record<MismatchKind, number> = { missing_in_legacy: 0, missing_in_new: 0, different: 0 };
    for (const m of mismatches) counts[m.kind] += 1;
    const totals = {
      legacyRows: legacyDigest.rows,
      newRows: newDigest.rows,
      differingBuckets: differing.length,
      counts,
    };
    await storeMismatches(deps.newPool, runId, entity.name, mismatches);
    await finishReconRun(deps.newPool, runId, totals);
    return { runId, entity: entity.name, ...totals, mismatches, durationMs: Date.now() - started };
  } catch (error: unknown) {
    await failReconRun(deps.newPool, runId, error);
    throw error;
  }
}

/**
 * The rows of the differing buckets compared one by one; what differs is read again after the lag
 * window, and only what still differs then is a mismatch.
 */
async function mismatchesIn(
  deps: ReconcileDeps,
  entity: SyncEntity,
  ranges: readonly { from: string; to: string | null }[],
  lagWindowMs: number,
): Promise<Mismatch[]> {
  const legacyRows = new Map<string, CanonicalRow>();
  const newRows = new Map<string, CanonicalRow>();
  for (const { from, to } of ranges) {
    const [l, n] = await Promise.all([
      deps.legacy.readRange(entity, from, to),
      deps.newSide.readRange(entity, from, to),
    ]);
    for (const row of l) legacyRows.set(row[entity.key.name] ?? '', row);
    for (const row of n) newRows.set(row[entity.key.name] ?? '', row);
  }
  const candidates = compareRows(
    entity,
    new Set([...legacyRows.keys(), ...newRows.keys()]),
    legacyRows,
    newRows,
  );
  if (candidates.length === 0) return [];
  await new Promise((resolve) => setTimeout(resolve, lagWindowMs));
  const keys = candidates.map((m) => m.key);
  const [legacyNow, newNow] = await Promise.all([
    deps.legacy.readRows(entity, keys),
    deps.newSide.readRows(entity, keys),
  ]);
  return compareRows(entity, keys, legacyNow, newNow);
}
