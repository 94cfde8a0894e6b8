import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { GroupUpdate, MinuteCounts, ShadowBatch, ShadowBatchOutcome } from './shadow-store.ts';
import type { ShadowDatabase } from './shadow-tables.ts';
import { toJsonb } from './to-jsonb.ts';

type Trx = Transaction<ShadowDatabase>;
type FullGroup = ShadowBatchOutcome['fullGroups'][number];

/**
 * Applies a batch in one transaction. Concurrent replicas are safe: counters are added in upserts, and
 * rows are locked in a fixed order (route, then minute or fingerprint) to avoid deadlocks.
 * `samplesPerGroup` caps the samples stored per diff group.
 */
export async function writeBatch(
  db: Kysely<ShadowDatabase>,
  batch: ShadowBatch,
  samplesPerGroup: number,
): Promise<ShadowBatchOutcome> {
  const fullGroups: FullGroup[] = [];
  if (batch.minutes.length === 0 && batch.groups.length === 0 && batch.noise.length === 0) {
    return { fullGroups };
  }
  await db.transaction().execute(async (trx) => {
    await writeMinutes(trx, batch.minutes);
    fullGroups.push(...(await writeGroups(trx, batch.groups, samplesPerGroup)));
    await writeNoise(trx, batch.noise);
  });
  return { fullGroups };
}

/** `column = table.column + excluded.column` for each counter: upserts add, whoever wrote first. */
function summed<C extends string>(table: string, columns: readonly C[]): Record<C, RawBuilder<never>> {
  return Object.fromEntries(
    columns.map((c) => [c, sql<never>`${sql.ref(`${table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`]),
  ) as Record<C, RawBuilder<never>>;
}

/** Element-wise sum of a latency histogram column. */
function summedBuckets(column: 'legacy_latency_buckets' | 'new_latency_buckets'): RawBuilder<never> {
  return sql<never>`ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0) FROM unnest(${sql.ref(`shadow_minute.${column}`)}, ${sql.ref(`excluded.${column}`)}) AS t(a, b))`;
}

async function writeMinutes(trx: Trx, unsorted: readonly MinuteCounts[]): Promise<void> {
  const minutes = [...unsorted].sort(
    (a, b) => compare(a.routeId, b.routeId) || a.minute.getTime() - b.minute.getTime(),
  );
  if (minutes.length === 0) return;
  await trx
    .insertInto('strangler.shadow_minute')
    .values(
      minutes.map((m) => ({
        route_id: m.routeId,
        minute: m.minute,
        match: m.counts.match,
        mismatch: m.counts.mismatch,
        noise: m.counts.noise,
        sync_lag: m.counts['sync-lag'] ?? 0,
        error: m.counts.error,
        skipped: m.counts.skipped,
        dropped: m.counts.dropped ?? 0,
        unsampled: m.counts.unsampled ?? 0,
        legacy_latency_buckets: [...m.legacyBuckets],
        new_latency_buckets: [...m.newBuckets],
        legacy_latency_sum_ms: m.legacySumMs,
        new_latency_sum_ms: m.newSumMs,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['route_id', 'minute']).doUpdateSet({
        ...summed('shadow_minute', [
          'match',
          'mismatch',
          'noise',
          'sync_lag',
          'error',
          'skipped',
          'dropped',
          'unsampled',
          'legacy_latency_sum_ms',
          'new_latency_sum_ms',
        ]),
        legacy_latency_buckets: summedBuckets('legacy_latency_buckets'),
        new_latency_buckets: summedBuckets('new_latency_buckets'),
      }),
    )
    .execute();
  await writeReasons(trx, minutes);
}

async function writeReasons(trx: Trx, minutes: readonly MinuteCounts[]): Promise<void> {
  const reasons = minutes.flatMap((m) =>
    (m.reasons ?? [])
      .map((r) => ({
        route_id: m.routeId,
        minute: m.minute,
        outcome: r.outcome,
        reason: r.reason,
        count: r.count,
      }))
      .sort((a, b) => compare(a.outcome, b.outcome) || compare(a.reason, b.reason)),
  );
  if (reasons.length === 0) return;
  await trx
    .insertInto('strangler.shadow_minute_reason')
    .values(reasons)
    .onConflict((oc) =>
      oc
        .columns(['route_id', 'minute', 'outcome', 'reason'])
        .doUpdateSet(summed('shadow_minute_reason', ['count'])),
    )
    .execute();
}

/** Upserts the groups and stores their samples up to the cap; returns the groups that reached it. */
async function writeGroups(trx: Trx, unsorted: readonly GroupUpdate[], cap: number): Promise<FullGroup[]> {
  const groups = [...unsorted].sort(
    (a, b) => compare(a.routeId, b.routeId) || compare(a.fingerprint, b.fingerprint),
  );
  if (groups.length === 0) return [];
  const rows = await trx
    .insertInto('strangler.shadow_group')
    .values(
      groups.map((g) => ({
        route_id: g.routeId,
        fingerprint: g.fingerprint,
        paths: toJsonb(g.paths),
        count: g.count,
        first_seen: g.firstSeen,
        last_seen: g.lastSeen,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['route_id', 'fingerprint']).doUpdateSet({
        ...summed('shadow_group', ['count']),
        first_seen: sql`least(shadow_group.first_seen, excluded.first_seen)`,
        last_seen: sql`greatest(shadow_group.last_seen, excluded.last_seen)`,
      }),
    )
    // The upsert locks each group row until commit, so sample_count cannot move under us.
    .returning(['id', 'route_id', 'fingerprint', 'sample_count'])
    .execute();
  const byKey = new Map(rows.map((r) => [`${r.route_id}\n${r.fingerprint}`, r]));
  const full: FullGroup[] = [];
  for (const group of groups) {
    const row = byKey.get(`${group.routeId}\n${group.fingerprint}`);
    if (row === undefined) continue;
    const room = Math.max(0, cap - row.sample_count);
    const samples = group.samples.slice(0, room);
    if (samples.length >= room) full.push({ routeId: group.routeId, fingerprint: group.fingerprint });
    if (samples.length > 0) await writeSamples(trx, row.id, samples);
  }
  await writeGroupMinutes(trx, groups, byKey);
  return full;
}

async function writeGroupMinutes(
  trx: Trx,
  groups: readonly GroupUpdate[],
  byKey: ReadonlyMap<string, { readonly id: string }>,
): Promise<void> {
  const rows = groups.flatMap((g) => {
    const id = byKey.get(`${g.routeId}\n${g.fingerprint}`)?.id;
    if (id === undefined || g.minutes === undefined) return [];
    return [...g.minutes]
      .sort(([a], [b]) => a - b)
      .map(([minuteMs, count]) => ({
        group_id: id,
        minute: new Date(minuteMs),
        count,
      }));
  });
  if (rows.length === 0) return;
  await trx
    .insertInto('strangler.shadow_group_minute')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['group_id', 'minute']).doUpdateSet(summed('shadow_group_minute', ['count'])),
    )
    .execute();
}

async function writeSamples(trx: Trx, groupId: string, samples: GroupUpdate['samples']): Promise<void> {
  await trx
    .insertInto('strangler.shadow_sample')
    .values(
      samples.map((s) => ({
        group_id: groupId,
        captured_at: s.capturedAt,
        request: toJsonb(s.request),
        legacy: toJsonb(s.legacy),
        candidate: toJsonb(s.candidate),
        diffs: toJsonb(s.diffs),
        noise: toJsonb(s.noise),
        caller_subject: s.caller?.subject ?? null,
        caller_organisation_id: s.caller?.organisationId ?? null,
      })),
    )
    .execute();
  await trx
    .updateTable('strangler.shadow_group')
    .set({ sample_count: sql`sample_count + ${samples.length}` })
    .where('id', '=', groupId)
    .execute();
}

async function writeNoise(trx: Trx, unsorted: ShadowBatch['noise']): Promise<void> {
  const noise = [...unsorted].sort((a, b) => compare(a.routeId, b.routeId));
  if (noise.length === 0) return;
  await trx
    .insertInto('strangler.shadow_noise_route')
    .values(noise.map((n) => ({ route_id: n.routeId, raw_total: n.rawTotal, noise_total: n.noiseTotal })))
    .onConflict((oc) =>
      oc.column('route_id').doUpdateSet(summed('shadow_noise_route', ['raw_total', 'noise_total'])),
    )
    .execute();
  const fields = noise
    .flatMap((n) => n.fields.map((f) => ({ routeId: n.routeId, ...f })))
    .sort((a, b) => compare(a.routeId, b.routeId) || compare(a.field, b.field));
  if (fields.length === 0) return;
  await trx
    .insertInto('strangler.shadow_noise_field')
    .values(
      fields.map((f) => ({
        route_id: f.routeId,
        field: f.field,
        raw_differences: f.rawDifferences,
        noise_differences: f.noiseDifferences,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['route_id', 'field'])
        .doUpdateSet(summed('shadow_noise_field', ['raw_differences', 'noise_differences'])),
    )
    .execute();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
