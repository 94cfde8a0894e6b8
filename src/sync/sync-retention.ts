import type { Queryable } from './pg-transaction.ts';

/** Deletes done outbox rows and audit rows older than `retentionMs`, so neither table grows without bound. */
export async function purgeSyncHistory(pool: Queryable, retentionMs: number): Promise<void> {
  const seconds = retentionMs / 1000;
  await pool.query(
    `DELETE FROM strangler.sync_outbox WHERE status = 'done' AND done_at < now() - make_interval(secs => $1::double precision)`,
    [seconds],
  );
  await pool.query(
    `DELETE FROM strangler.sync_audit WHERE at < now() - make_interval(secs => $1::double precision)`,
    [seconds],
  );
}
