import { randomUUID } from 'node:crypto';

import type { CanonicalRow } from './canonical-row.ts';
import { rowsEqual } from './canonical-row.ts';
import type { EntityName, SyncEntity, SyncOwnership } from './sync-entities.ts';

/**
 * What the sync needs from a legacy engine. Two implementations with matching file names:
 * adapters/postgres/sync-*.ts (the stand-in) and adapters/mssql/sync-*.ts (SQL Server / Azure SQL).
 */
export type Operation = 'upsert' | 'delete';
export type Direction = 'new_to_legacy' | 'legacy_to_new';

export interface SyncChange {
  /** Globally unique; recorded on the target so a replay is a no-op. */
  readonly eventId: string;
  readonly entity: EntityName;
  /** Canonical (lower-case) key. */
  readonly key: string;
  readonly operation: Operation;
  /** Row version after an upsert; the deleted row's last version for a delete. */
  readonly version: string;
  /** The canonical row for an upsert, null for a delete. */
  readonly row: CanonicalRow | null;
}

/**
 * Rows read in a full scan (backfill, re-sync after the change feed's retention), as upserts with fresh
 * event ids: the version guard decides what each one changes.
 */
export function scannedRowsAsUpserts(entity: SyncEntity, rows: readonly CanonicalRow[]): SyncChange[] {
  return rows.map((row) => ({
    eventId: randomUUID(),
    entity: entity.name,
    key: row[entity.key.name] ?? '',
    operation: 'upsert',
    version: row.version ?? '0',
    row,
  }));
}

/**
 * - applied: written (or the delete found nothing left to delete);
 * - duplicate: this event id was applied before (replay, second delivery);
 * - unchanged: lost the version check but the target already holds the same row;
 * - stale: the owning side's write lost to a newer version written concurrently on the other side
 *   (recorded in sync_conflicts as `owner_lost`);
 * - conflict: the non-owning side's write lost: recorded with both rows (`non_owner_lost`);
 * - rejected: the target refused the row although it won the version check (a unique, foreign-key or
 *   check constraint: two athletes swapping e-mails, the same e-mail created on both sides at once):
 *   recorded with the database's error as `rejected`, so one such row never holds up every later change.
 */
export type ApplyOutcome = 'applied' | 'duplicate' | 'unchanged' | 'stale' | 'conflict' | 'rejected';

export interface ApplyResult {
  readonly eventId: string;
  readonly outcome: ApplyOutcome;
  /** The target's row when the change lost the version check. */
  readonly current: CanonicalRow | null;
  /**
   * The owner's write won a version tie and replaced a different row: that row was a concurrent write of
   * the non-owning side, which has lost (recorded as a conflict, never dropped silently).
   */
  readonly overwritten?: CanonicalRow;
  /** For `rejected`: the target database's error. */
  readonly error?: string;
  /** For `rejected` by a constraint: the database's SQLSTATE (23503 a missing parent, 23505 a unique value taken). */
  readonly sqlState?: string;
}

export interface LegacyWriter {
  /**
   * Applies the changes in ONE legacy transaction tagged as sync (so the change feed does not echo
   * them), recording each event id. At most one change per entity key. Throws if the transaction fails.
   */
  applyBatch(changes: readonly SyncChange[], ownership: SyncOwnership): Promise<ApplyResult[]>;
  /** Resolves when the legacy database answers; used to tell "legacy is down" from "this event fails". */
  ping(): Promise<void>;
  /**
   * Repair: raises a legacy row's version above `atLeast` as an ordinary (non-sync) write tagged with
   * `origin`, so the change feed carries the legacy row to the new side and wins its version guard.
   * Returns false when the row does not exist.
   */
  bumpVersion(entity: SyncEntity, key: string, atLeast: string, origin: string): Promise<boolean>;
  /**
   * Deletes applied-event records older than `olderThan`, at most `batchSize` per statement; returns how
   * many went. Past the outbox's retention an event can only come back as an operator's replay, and the
   * version guard keeps that from changing anything newer.
   */
  pruneApplied(olderThan: Date, batchSize: number): Promise<number>;
}

export interface LegacyRowReader {
  readRows(entity: SyncEntity, keys: readonly string[]): Promise<Map<string, CanonicalRow>>;
  /** Keyset page in the engine's key order. */
  scan(entity: SyncEntity, afterKey: string | null, limit: number): Promise<CanonicalRow[]>;
  /** Rows whose canonical key k has `from <= k < to` (string order of the lower-case text; to null: no bound). */
  readRange(entity: SyncEntity, from: string, to: string | null): Promise<CanonicalRow[]>;
  /** The table's row count from the engine's statistics (cheap, approximate); undefined when it has none. */
  estimateRows?(entity: SyncEntity): Promise<number | undefined>;
  /**
   * Optional fast path for reconciliation: the same keyset page as `scan`, as [key, rowFingerprint] pairs
   * computed without building row objects. Must equal rowFingerprint(entity, row) for every row of `scan`.
   */
  scanFingerprints?(
    entity: SyncEntity,
    afterKey: string | null,
    limit: number,
    beforeKey?: string | null,
  ): Promise<[string, string][]>;
}

export interface LegacyChangeRef {
  readonly entity: EntityName;
  readonly key: string;
  readonly operation: Operation;
  readonly version: string;
  readonly changedAt: Date;
}

export interface LegacyChangeBatch {
  /** Changes written by applications (the feed's own sync writes are already left out). */
  readonly changes: readonly LegacyChangeRef[];
  /** Current rows of the changed keys, read in the same snapshot as the changes; absent = deleted. */
  readonly rows: ReadonlyMap<string, CanonicalRow>;
  /** Where the next read starts; store it in the same transaction that applies `changes`. */
  readonly next: unknown;
  /** Feed entries read, including the skipped sync-origin ones. */
  readonly entriesRead: number;
  /** True when the checkpoint fell out of the feed's retention: the caller must re-sync every row. */
  readonly resyncRequired: boolean;
}

export interface LegacyChangeFeed {
  readonly feedName: string;
  readChanges(position: unknown, limit: number): Promise<LegacyChangeBatch>;
  /** Drops feed entries at or before a checkpoint already committed (the stand-in's log; SQL Server's own retention otherwise). */
  prune?(position: unknown): Promise<number>;
}

export const rowMapKey = (entity: EntityName, key: string): string => `${entity}:${key}`;

/** Decides what a change that lost the version guard means. */
export function classifyLoss(
  entity: SyncEntity,
  incoming: CanonicalRow | null,
  current: CanonicalRow | null,
  writerOwnsEntity: boolean,
): ApplyOutcome {
  if (incoming !== null && current !== null && rowsEqual(entity, incoming, current)) return 'unchanged';
  if (incoming === null && current === null) return 'unchanged';
  return writerOwnsEntity ? 'stale' : 'conflict';
}

export function writerOwns(ownership: SyncOwnership, entity: EntityName, writer: 'legacy' | 'new'): boolean {
  return ownership[entity] === writer;
}

/** One legacy engine as the sync uses it (adapters/<engine>/sync-engine.ts builds it). */
export interface LegacySyncEngine {
  readonly engine: 'postgres' | 'mssql';
  readonly writer: LegacyWriter;
  readonly feed: LegacyChangeFeed;
  readonly reader: LegacyRowReader;
}
