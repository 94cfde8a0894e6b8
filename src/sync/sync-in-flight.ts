import { sql, type Kysely } from 'kysely';

/*
 * What the sync can tell cheaply, from the new database alone, about changes to some entity tables that
 * may not have crossed yet: for the shadow side, which must not report a difference the sync is about to
 * remove. Read-only; a few indexed queries on the sync's own tables (outbox, checkpoints, audit).
 */

/** A moment on the new database's clock, and the outbox events of the entities pending at that moment. */
export interface SyncPoint {
  /** The new database's clock_timestamp() when the point was taken (ISO text, microseconds kept). */
  readonly mark: string;
  /** The newest pending outbox id of the entities at the mark; null when none was pending. */
  readonly outboxUpTo: string | null;
  /** Milliseconds since the legacy → new feed's checkpoint last moved; null when no feed has one. */
  readonly feedIdleMs: number | null;
}

/** Where the sync stands for these entities now (tables named as on the new side: SYNC_ENTITIES). */
export async function syncPoint(db: Kysely<unknown>, entities: readonly string[]): Promise<SyncPoint> {
  const result = await sql<{ mark: string; outbox_up_to: string | null; feed_idle_ms: number | null }>`
    SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS mark,
      (SELECT max(id)::text FROM strangler.sync_outbox
        WHERE status = 'pending' AND entity = ANY(${entities}::text[])) AS outbox_up_to,
      (SELECT extract(epoch FROM clock_timestamp() - min(updated_at))::float8 * 1000
        FROM strangler.sync_checkpoints) AS feed_idle_ms`.execute(db);
  const row = result.rows[0];
  return {
    mark: row?.mark ?? new Date().toISOString(),
    outboxUpTo: row?.outbox_up_to ?? null,
    feedIdleMs: row?.feed_idle_ms ?? null,
  };
}

/**
 * Whether the sync has carried everything written before the point: every outbox event of the entities
 * pending then is done, and every feed's checkpoint was moved by a read that began after the mark and
 * found nothing more to read. A checkpoint's `updated_at` is its poll's transaction start, taken before
 * that poll read legacy's feed, so such a read saw every legacy change committed before the mark.
 */
export async function syncPassed(
  db: Kysely<unknown>,
  point: SyncPoint,
  entities: readonly string[],
): Promise<boolean> {
  const result = await sql<{ passed: boolean }>`
    SELECT NOT EXISTS (
        SELECT 1 FROM strangler.sync_outbox
        WHERE status = 'pending' AND entity = ANY(${entities}::text[]) AND id <= ${point.outboxUpTo}::bigint)
      AND coalesce((SELECT bool_and(caught_up AND updated_at > ${point.mark}::timestamptz)
        FROM strangler.sync_checkpoints), false) AS passed`.execute(db);
  return result.rows[0]?.passed === true;
}

/**
 * Whether the sync moved a row of the entities, in either direction, from `windowMs` before the mark
 * until now, or had one of their outbox events pending at the mark: then a difference seen in that
 * window may be the sync's lag rather than the new code's.
 */
export async function syncTouched(
  db: Kysely<unknown>,
  point: SyncPoint,
  entities: readonly string[],
  windowMs: number,
): Promise<boolean> {
  if (point.outboxUpTo !== null) return true;
  const result = await sql<{ touched: boolean }>`
    SELECT EXISTS (
      SELECT 1 FROM strangler.sync_audit
      WHERE at >= ${point.mark}::timestamptz - ${windowMs} * interval '1 millisecond'
        AND entity = ANY(${entities}::text[])) AS touched`.execute(db);
  return result.rows[0]?.touched === true;
}
