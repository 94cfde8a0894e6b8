import type { Queryable } from './pg-transaction.ts';

/*
 * strangler.sync_checkpoints: where each legacy change feed was last read up to. The poller moves it in
 * the same transaction that applies the changes read, so a crash re-reads the batch instead of losing it.
 */

/**
 * Creates the feed's checkpoint if it has none, begins the batch's transaction and locks the checkpoint
 * in it, so one poller per feed reads at a time (a second one waits its turn). Returns the position.
 */
export async function beginAtCheckpoint(client: Queryable, feed: string): Promise<unknown> {
  await client.query(
    `INSERT INTO strangler.sync_checkpoints (feed, position) VALUES ($1, 'null'::jsonb) ON CONFLICT (feed) DO NOTHING`,
    [feed],
  );
  await client.query('BEGIN');
  const checkpoint = await client.query<{ position: unknown }>(
    `SELECT position FROM strangler.sync_checkpoints WHERE feed = $1 FOR UPDATE`,
    [feed],
  );
  return checkpoint.rows[0]?.position ?? null;
}

/** The committed position (null when the feed was never read). */
export async function readCheckpoint(pool: Queryable, feed: string): Promise<unknown> {
  const checkpoint = await pool.query<{ position: unknown }>(
    `SELECT position FROM strangler.sync_checkpoints WHERE feed = $1`,
    [feed],
  );
  return checkpoint.rows[0]?.position ?? null;
}

/**
 * Moves the checkpoint past an applied batch and clears its error; `changedAt` (ms, the batch's legacy
 * write times) keeps the latest change's time, and `caughtUp` (the batch read all there was) whether the
 * feed has nothing pending, for the lag in the status.
 */
export async function advanceCheckpoint(
  client: Queryable,
  feed: string,
  next: unknown,
  changedAt: readonly number[],
  caughtUp: boolean,
): Promise<void> {
  await client.query(
    `UPDATE strangler.sync_checkpoints SET position = $2::jsonb, updated_at = now(), last_error = NULL,
       last_change_at = COALESCE(to_timestamp($3::double precision / 1000), last_change_at), caught_up = $4
     WHERE feed = $1`,
    [feed, JSON.stringify(next), changedAt.length === 0 ? null : Math.max(...changedAt), caughtUp],
  );
}

/** Moves the checkpoint after a full re-sync, which read no change of the feed. */
export async function moveCheckpoint(client: Queryable, feed: string, next: unknown): Promise<void> {
  await client.query(
    `UPDATE strangler.sync_checkpoints SET position = $2::jsonb, updated_at = now() WHERE feed = $1`,
    [feed, JSON.stringify(next)],
  );
}

/** Keeps a failed batch's error on the checkpoint for the status, if the new database still answers. */
export async function recordCheckpointError(pool: Queryable, feed: string, error: unknown): Promise<void> {
  try {
    await pool.query(`UPDATE strangler.sync_checkpoints SET last_error = $2 WHERE feed = $1`, [
      feed,
      error instanceof Error ? error.message : String(error),
    ]);
  } catch {
    // The new database is the one failing; the caller throws the batch's error either way.
  }
}
