import type pg from 'pg';

import { enqueueChangePg } from '../outbox.ts';
import { inTransaction } from '../pg-transaction.ts';
import { changeFeedCaughtUp } from './sync-fixtures.ts';

/*
 * Writes as the two applications make them while they race: a new handler bumps the version of the
 * row it updates and enqueues it in the same transaction; the legacy API updates or deletes its row in a
 * transaction it may keep open for a while (the change-log trigger records it).
 */

export interface CommittedWrite {
  /** The value written (first name), or null for a delete. */
  readonly value: string | null;
  /** The version the write produced (a delete: the version of the row it removed); null if it found no row. */
  readonly version: number | null;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `UPDATE … version = version + 1` and its outbox row, as the new handler writes them. */
export async function newSideUpdate(pool: pg.Pool, key: string, value: string): Promise<CommittedWrite> {
  return inTransaction(pool, async (client) => {
    const result = await client.query<Record<string, unknown>>(
      `UPDATE athletes SET first_name = $2, updated_at = clock_timestamp(), version = version + 1
       WHERE id = $1 RETURNING *`,
      [key, value],
    );
    const row = result.rows[0];
    if (row === undefined) return { value, version: null };
    await enqueueChangePg(client, { entity: 'athletes', operation: 'upsert', row });
    return { value, version: Number(row.version) };
  });
}

/** A legacy `UPDATE … Version = Version + 1` (or DELETE) whose transaction stays open for `holdMs`. */
export async function legacyWrite(
  pool: pg.Pool,
  key: string,
  value: string | null,
  holdMs: number,
): Promise<CommittedWrite> {
  return inTransaction(pool, async (client) => {
    const result =
      value === null
        ? await client.query<{ version: string }>(
            `DELETE FROM dbo."Athletes" WHERE "AthleteId" = $1 RETURNING "Version"::text AS version`,
            [key],
          )
        : await client.query<{ version: string }>(
            `UPDATE dbo."Athletes" SET "FirstName" = $2, "UpdatedAt" = now() AT TIME ZONE 'UTC',
               "Version" = "Version" + 1 WHERE "AthleteId" = $1 RETURNING "Version"::text AS version`,
            [key, value],
          );
    if (holdMs > 0) await pause(holdMs);
    const version = result.rows[0]?.version;
    return { value, version: version === undefined ? null : Number(version) };
  });
}

/** The two writes of one round, started a few milliseconds apart in a random order. */
export async function race<A, B>(first: () => Promise<A>, second: () => Promise<B>): Promise<[A, B]> {
  const lead = Math.floor(Math.random() * 4);
  const delayed = <T>(run: () => Promise<T>, ms: number): Promise<T> => pause(ms).then(run);
  return Math.random() < 0.5
    ? Promise.all([first(), delayed(second, lead)])
    : Promise.all([delayed(first, lead), second()]);
}

/** Runs `rounds` calls of `round` with at most `parallel` at once. */
export async function runRounds(
  rounds: number,
  parallel: number,
  round: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < rounds) await round(next++);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/**
 * True when neither direction has anything left to carry for `key`. The feed is checked before the
 * outbox: the poller may hand work to the relay (it re-sends the owner's row after a tie legacy lost)
 * in the transaction that advances its checkpoint, so the other order could miss that event.
 */
export async function keySettled(newPool: pg.Pool, legacyPool: pg.Pool, key: string): Promise<boolean> {
  if (!(await changeFeedCaughtUp(newPool, legacyPool, key))) return false;
  const outbox = await newPool.query(
    `SELECT 1 FROM strangler.sync_outbox WHERE entity_key = $1 AND status = 'pending' LIMIT 1`,
    [key],
  );
  return outbox.rows.length === 0;
}

export async function waitSettled(
  newPool: pg.Pool,
  legacyPool: pg.Pool,
  key: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await keySettled(newPool, legacyPool, key))) {
    if (Date.now() > deadline) throw new Error(`the sync did not settle for ${key}`);
    await pause(5);
  }
}

/** Each side's first name and version for `key`, or null where the row is absent. */
export async function bothRows(
  newPool: pg.Pool,
  legacyPool: pg.Pool,
  key: string,
): Promise<{ new: CommittedWrite | null; legacy: CommittedWrite | null }> {
  const n = await newPool.query<{ value: string; version: string }>(
    `SELECT first_name AS value, version::text AS version FROM athletes WHERE id = $1`,
    [key],
  );
  const l = await legacyPool.query<{ value: string; version: string }>(
    `SELECT "FirstName" AS value, "Version"::text AS version FROM dbo."Athletes" WHERE "AthleteId" = $1`,
    [key],
  );
  const asWrite = (r: { value: string; version: string } | undefined) =>
    r === undefined ? null : { value: r.value, version: Number(r.version) };
  return { new: asWrite(n.rows[0]), legacy: asWrite(l.rows[0]) };
}

/** True when a sync_conflicts row for `key` holds `value` as its incoming or its current row. */
export async function conflictRecorded(
  newPool: pg.Pool,
  key: string,
  value: string | null,
): Promise<boolean> {
  const found = await newPool.query(
    value === null
      ? `SELECT 1 FROM strangler.sync_conflicts WHERE entity_key = $1 LIMIT 1`
      : `SELECT 1 FROM strangler.sync_conflicts WHERE entity_key = $1
           AND (incoming_row ->> 'first_name' = $2 OR current_row ->> 'first_name' = $2) LIMIT 1`,
    value === null ? [key] : [key, value],
  );
  return found.rows.length > 0;
}
