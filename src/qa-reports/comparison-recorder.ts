import { sql, type Kysely } from 'kysely';
import { latencyBucket } from './latency-percentile.ts';
import type { QaDatabase } from './qa-tables.ts';
import type { CapturedMessage, DiffEntry } from './report-store.ts';

export type ComparisonOutcome = 'match' | 'mismatch' | 'noise' | 'error' | 'skipped';

export interface RecordedComparison {
  readonly routeId: string;
  readonly at: Date;
  readonly outcome: ComparisonOutcome;
  readonly legacyMs?: number;
  readonly newMs?: number;
  /** For mismatches: the group key and the differences, with the (already redacted) exchange as a sample. */
  readonly mismatch?: {
    readonly fingerprint: string;
    readonly diffs: readonly DiffEntry[];
    readonly noise: readonly DiffEntry[];
    readonly request: CapturedMessage;
    readonly legacy: CapturedMessage;
    readonly new: CapturedMessage;
  };
}

export const DEFAULT_SAMPLES_PER_GROUP = 20;

/**
 * Writes one comparison's result into the reports' shadow tables (qa-migrations.ts 0001): the minute
 * counter, the diff group by fingerprint, and a sample while the group holds fewer than the cap.
 */
export async function recordComparison<DB>(
  database: Kysely<DB>,
  c: RecordedComparison,
  samplesPerGroup = DEFAULT_SAMPLES_PER_GROUP,
): Promise<void> {
  const db = database as unknown as Kysely<QaDatabase>;
  const minute = new Date(Math.floor(c.at.getTime() / 60_000) * 60_000);
  const legacyBucket = c.legacyMs === undefined ? null : latencyBucket(c.legacyMs) + 1;
  const newBucket = c.newMs === undefined ? null : latencyBucket(c.newMs) + 1;
  await db.transaction().execute(async (trx) => {
    await sql`
      INSERT INTO strangler.shadow_minute AS m (route_id, minute, ${sql.ref(c.outcome)})
      VALUES (${c.routeId}, ${minute}, 1)
      ON CONFLICT (route_id, minute) DO UPDATE SET ${sql.ref(c.outcome)} = m.${sql.ref(c.outcome)} + 1`.execute(
      trx,
    );
    // Histogram arrays are 1-based in SQL.
    for (const [column, bucket] of [
      ['legacy_latency_buckets', legacyBucket],
      ['new_latency_buckets', newBucket],
    ] as const) {
      if (bucket === null) continue;
      await sql`
        UPDATE strangler.shadow_minute
        SET ${sql.ref(column)}[${bucket}] = coalesce(${sql.ref(column)}[${bucket}], 0) + 1
        WHERE route_id = ${c.routeId} AND minute = ${minute}`.execute(trx);
    }
    if (c.mismatch === undefined) return;
    const m = c.mismatch;
    const paths = uniquePaths(m.diffs);
    const group = await sql<{ id: string; count: string }>`
      INSERT INTO strangler.shadow_group (route_id, fingerprint, paths, count, first_seen, last_seen)
      VALUES (${c.routeId}, ${m.fingerprint}, ${JSON.stringify(paths)}::jsonb, 1, ${c.at}, ${c.at})
      ON CONFLICT (route_id, fingerprint) DO UPDATE SET
        count = strangler.shadow_group.count + 1,
        first_seen = least(strangler.shadow_group.first_seen, excluded.first_seen),
        last_seen = greatest(strangler.shadow_group.last_seen, excluded.last_seen)
      RETURNING id, count`.execute(trx);
    const row = group.rows[0];
    if (row === undefined || Number(row.count) > samplesPerGroup) return;
    await trx
      .insertInto('strangler.shadow_sample')
      .values({
        group_id: row.id,
        captured_at: c.at,
        request: JSON.stringify(m.request),
        legacy: JSON.stringify(m.legacy),
        candidate: JSON.stringify(m.new),
        diffs: JSON.stringify(m.diffs),
        noise: JSON.stringify(m.noise),
      })
      .execute();
  });
}

/** Group paths as the comparison engine fingerprints them: array positions collapsed to `[*]`. */
function uniquePaths(diffs: readonly DiffEntry[]): { path: string; kind: string }[] {
  const seen = new Map<string, { path: string; kind: string }>();
  for (const d of diffs) {
    const path = d.path.replace(/\['(?:[^'\\]|\\.)*'\]|\[[^\]']*\]/g, (s) =>
      s.startsWith("['") ? s : '[*]',
    );
    seen.set(`${d.kind} ${path}`, { path, kind: d.kind });
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path));
}
