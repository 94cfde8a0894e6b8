import type pg from 'pg';

import type { SyncMetrics } from './sync-metrics.ts';

export interface SyncStatus {
  readonly outbox: {
    readonly pending: number;
    readonly oldestPendingSeconds: number | null;
    readonly retrying: number;
  };
  readonly deadLetters: { readonly count: number; readonly oldest: string | null };
  readonly conflicts: {
    readonly open: number;
    readonly total: number;
    readonly lastDetectedAt: string | null;
  };
  readonly checkpoints: readonly {
    readonly feed: string;
    readonly position: unknown;
    readonly lastChangeAt: string | null;
    readonly updatedAt: string;
    /**
     * 0 when the feed's last read found nothing pending; otherwise seconds since the latest change applied
     * from it was written on legacy (how far behind legacy the applied rows are).
     */
    readonly lagSeconds: number | null;
    readonly lastError: string | null;
  }[];
  readonly lastAppliedToLegacyAt: string | null;
}

/**
 * Everything an operator needs to judge the sync at a glance (admin API): backlogs, lag,
 * dead letters, conflicts, checkpoints. Read-only, a handful of indexed queries on the new database.
 */
export async function getSyncStatus(pool: Pick<pg.Pool, 'query'>): Promise<SyncStatus> {
  const [outbox, dead, conflicts, checkpoints, last] = await Promise.all([
    pool.query<{ pending: string; retrying: string; oldest: number | null }>(
      `SELECT count(*)::text AS pending, count(*) FILTER (WHERE attempts > 0)::text AS retrying,
              extract(epoch FROM now() - min(created_at))::float8 AS oldest
       FROM strangler.sync_outbox WHERE status = 'pending'`,
    ),
    pool.query<{ count: string; oldest: Date | null }>(
      `SELECT count(*)::text AS count, min(dead_at) AS oldest FROM strangler.sync_dead_letters WHERE replayed_at IS NULL`,
    ),
    pool.query<{ open: string; total: string; last: Date | null }>(
      `SELECT count(*) FILTER (WHERE resolved_at IS NULL)::text AS open, count(*)::text AS total,
              max(detected_at) AS last FROM strangler.sync_conflicts`,
    ),
    pool.query<{
      feed: string;
      position: unknown;
      last_change_at: Date | null;
      updated_at: Date;
      last_error: string | null;
      lag: number | null;
    }>(
      `SELECT feed, position, last_change_at, updated_at, last_error,
              CASE WHEN caught_up THEN 0
                   ELSE greatest(0, extract(epoch FROM now() - last_change_at))::float8 END AS lag
       FROM strangler.sync_checkpoints ORDER BY feed`,
    ),
    pool.query<{ at: Date | null }>(
      `SELECT max(done_at) AS at FROM strangler.sync_outbox WHERE status = 'done'`,
    ),
  ]);
  const o = outbox.rows[0];
  const d = dead.rows[0];
  const c = conflicts.rows[0];
  return {
    outbox: {
      pending: Number(o?.pending ?? 0),
      retrying: Number(o?.retrying ?? 0),
      oldestPendingSeconds: o?.oldest ?? null,
    },
    deadLetters: { count: Number(d?.count ?? 0), oldest: d?.oldest?.toISOString() ?? null },
    conflicts: {
      open: Number(c?.open ?? 0),
      total: Number(c?.total ?? 0),
      lastDetectedAt: c?.last?.toISOString() ?? null,
    },
    checkpoints: checkpoints.rows.map((r) => ({
      feed: r.feed,
      position: r.position,
      lastChangeAt: r.last_change_at?.toISOString() ?? null,
      updatedAt: r.updated_at.toISOString(),
      lagSeconds: r.lag,
      lastError: r.last_error,
    })),
    lastAppliedToLegacyAt: last.rows[0]?.at?.toISOString() ?? null,
  };
}

/** Sets the backlog gauges from the database (the relay calls it about once a second). */
export async function refreshOutboxGauges(pool: Pick<pg.Pool, 'query'>, metrics: SyncMetrics): Promise<void> {
  const status = await pool.query<{ pending: string; oldest: number | null; dead: string }>(
    `SELECT (SELECT count(*) FROM strangler.sync_outbox WHERE status = 'pending')::text AS pending,
            (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM strangler.sync_outbox WHERE status = 'pending') AS oldest,
            (SELECT count(*) FROM strangler.sync_dead_letters WHERE replayed_at IS NULL)::text AS dead`,
  );
  const row = status.rows[0];
  metrics.outboxPending.set(Number(row?.pending ?? 0));
  metrics.oldestPendingSeconds.set(row?.oldest ?? 0);
  metrics.deadLetters.set(Number(row?.dead ?? 0));
}
