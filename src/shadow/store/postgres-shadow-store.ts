import { sql, type Kysely } from 'kysely';
import type { RouteNoise } from '../noise/noise-model.ts';
import type { StoredRequest, StoredResponse } from '../redact.ts';
import type { ExportedSample, ShadowBatch, ShadowBatchOutcome, ShadowStore } from './shadow-store.ts';
import type { ShadowDatabase } from './shadow-tables.ts';

export interface PostgresShadowStoreOptions {
  /** Samples kept per diff group (default 20): enough to see the pattern, bounded whatever the traffic. */
  readonly samplesPerGroup?: number;
}

/**
 * PostgreSQL's JSON types reject or choke on U+0000 and on unpaired UTF-16 surrogates (jsonb refuses
 * both; json stores them, but no cast to jsonb, as a migration down would do, can read them back), and
 * samples are attacker input: one such escape must not fail a whole batch. JSON.stringify writes a
 * lone surrogate as a `\udXXX` escape (paired ones as the character itself), so both are escapes; they
 * become U+FFFD (an escaped backslash followed by `u0000` is left alone).
 */
export function toJsonb(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value ?? null);
  } catch {
    // Nested too deep to serialise: one sample must not fail the batch it is in.
    text = JSON.stringify('[value not storable]');
  }
  return text.replace(/(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g, '$1\\ufffd');
}

/**
 * The shadow store on PostgreSQL. Takes any kysely instance on the proxy's database (the tables are
 * schema-qualified), e.g. the new database's. Concurrent replicas are safe: counters are added in
 * upserts, and rows are locked in a fixed order (route, then minute or fingerprint) to avoid deadlocks.
 */
export function createPostgresShadowStore(
  database: Kysely<unknown>,
  options: PostgresShadowStoreOptions = {},
): ShadowStore {
  // The tables are schema-qualified, so any kysely instance on the database will do; only the types differ.
  const db = database as unknown as Kysely<ShadowDatabase>;
  const cap = options.samplesPerGroup ?? 20;

  return {
    async writeBatch(batch: ShadowBatch): Promise<ShadowBatchOutcome> {
      const fullGroups: { routeId: string; fingerprint: string }[] = [];
      if (batch.minutes.length === 0 && batch.groups.length === 0 && batch.noise.length === 0) {
        return { fullGroups };
      }
      await db.transaction().execute(async (trx) => {
        const minutes = [...batch.minutes].sort(
          (a, b) => compare(a.routeId, b.routeId) || a.minute.getTime() - b.minute.getTime(),
        );
        if (minutes.length > 0) {
          await trx
            .insertInto('strangler.shadow_minute')
            .values(
              minutes.map((m) => ({
                route_id: m.routeId,
                minute: m.minute,
                match: m.counts.match,
                mismatch: m.counts.mismatch,
                noise: m.counts.noise,
                error: m.counts.error,
                skipped: m.counts.skipped,
                legacy_latency_buckets: [...m.legacyBuckets],
                new_latency_buckets: [...m.newBuckets],
                legacy_latency_sum_ms: m.legacySumMs,
                new_latency_sum_ms: m.newSumMs,
              })),
            )
            .onConflict((oc) =>
              oc.columns(['route_id', 'minute']).doUpdateSet({
                match: sql`shadow_minute.match + excluded.match`,
                mismatch: sql`shadow_minute.mismatch + excluded.mismatch`,
                noise: sql`shadow_minute.noise + excluded.noise`,
                error: sql`shadow_minute.error + excluded.error`,
                skipped: sql`shadow_minute.skipped + excluded.skipped`,
                legacy_latency_buckets: sql`ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0) FROM unnest(shadow_minute.legacy_latency_buckets, excluded.legacy_latency_buckets) AS t(a, b))`,
                new_latency_buckets: sql`ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0) FROM unnest(shadow_minute.new_latency_buckets, excluded.new_latency_buckets) AS t(a, b))`,
                legacy_latency_sum_ms: sql`shadow_minute.legacy_latency_sum_ms + excluded.legacy_latency_sum_ms`,
                new_latency_sum_ms: sql`shadow_minute.new_latency_sum_ms + excluded.new_latency_sum_ms`,
              }),
            )
            .execute();
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
          if (reasons.length > 0) {
            await trx
              .insertInto('strangler.shadow_minute_reason')
              .values(reasons)
              .onConflict((oc) =>
                oc
                  .columns(['route_id', 'minute', 'outcome', 'reason'])
                  .doUpdateSet({ count: sql`shadow_minute_reason.count + excluded.count` }),
              )
              .execute();
          }
        }

        const groups = [...batch.groups].sort(
          (a, b) => compare(a.routeId, b.routeId) || compare(a.fingerprint, b.fingerprint),
        );
        if (groups.length > 0) {
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
                count: sql`shadow_group.count + excluded.count`,
                first_seen: sql`least(shadow_group.first_seen, excluded.first_seen)`,
                last_seen: sql`greatest(shadow_group.last_seen, excluded.last_seen)`,
              }),
            )
            // The upsert locks each group row until commit, so sample_count cannot move under us.
            .returning(['id', 'route_id', 'fingerprint', 'sample_count'])
            .execute();
          const byKey = new Map(rows.map((r) => [`${r.route_id}\n${r.fingerprint}`, r]));
          for (const group of groups) {
            const row = byKey.get(`${group.routeId}\n${group.fingerprint}`);
            if (row === undefined) continue;
            const room = Math.max(0, cap - row.sample_count);
            const samples = group.samples.slice(0, room);
            if (samples.length >= room)
              fullGroups.push({ routeId: group.routeId, fingerprint: group.fingerprint });
            if (samples.length === 0) continue;
            await trx
              .insertInto('strangler.shadow_sample')
              .values(
                samples.map((s) => ({
                  group_id: row.id,
                  captured_at: s.capturedAt,
                  request: toJsonb(s.request),
                  legacy: toJsonb(s.legacy),
                  candidate: toJsonb(s.candidate),
                  diffs: toJsonb(s.diffs),
                  noise: toJsonb(s.noise),
                })),
              )
              .execute();
            await trx
              .updateTable('strangler.shadow_group')
              .set({ sample_count: sql`sample_count + ${samples.length}` })
              .where('id', '=', row.id)
              .execute();
          }
        }

        const noise = [...batch.noise].sort((a, b) => compare(a.routeId, b.routeId));
        if (noise.length > 0) {
          await trx
            .insertInto('strangler.shadow_noise_route')
            .values(
              noise.map((n) => ({ route_id: n.routeId, raw_total: n.rawTotal, noise_total: n.noiseTotal })),
            )
            .onConflict((oc) =>
              oc.column('route_id').doUpdateSet({
                raw_total: sql`shadow_noise_route.raw_total + excluded.raw_total`,
                noise_total: sql`shadow_noise_route.noise_total + excluded.noise_total`,
              }),
            )
            .execute();
          const fields = noise
            .flatMap((n) => n.fields.map((f) => ({ routeId: n.routeId, ...f })))
            .sort((a, b) => compare(a.routeId, b.routeId) || compare(a.field, b.field));
          if (fields.length > 0) {
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
                oc.columns(['route_id', 'field']).doUpdateSet({
                  raw_differences: sql`shadow_noise_field.raw_differences + excluded.raw_differences`,
                  noise_differences: sql`shadow_noise_field.noise_differences + excluded.noise_differences`,
                }),
              )
              .execute();
          }
        }
      });
      return { fullGroups };
    },

    async loadNoise() {
      const routes = await db.selectFrom('strangler.shadow_noise_route').selectAll().execute();
      // Most observed first: the model keeps a bounded number of fields per route, and the fields
      // differing in most comparisons (status, a header, traceId) must not lose their place to rare ones.
      const fields = await db
        .selectFrom('strangler.shadow_noise_field')
        .selectAll()
        .orderBy(sql`raw_differences + noise_differences`, 'desc')
        .orderBy('field')
        .execute();
      return routes.map((r): RouteNoise => ({
        routeId: r.route_id,
        rawTotal: Number(r.raw_total),
        noiseTotal: Number(r.noise_total),
        fields: fields
          .filter((f) => f.route_id === r.route_id)
          .map((f) => ({
            field: f.field,
            rawDifferences: Number(f.raw_differences),
            noiseDifferences: Number(f.noise_differences),
          })),
      }));
    },

    async deleteExpired({ olderThan, batchSize }) {
      let samples = 0;
      let groups = 0;
      const touched = new Set<string>();
      // Short transactions of at most batchSize rows, so retention never holds long locks.
      for (;;) {
        const deleted = await sql<{ group_id: string }>`
          DELETE FROM strangler.shadow_sample s
          USING (SELECT id FROM strangler.shadow_sample WHERE captured_at < ${olderThan} LIMIT ${batchSize}) doomed
          WHERE s.id = doomed.id
          RETURNING s.group_id`.execute(db);
        samples += deleted.rows.length;
        for (const row of deleted.rows) touched.add(row.group_id);
        if (deleted.rows.length < batchSize) break;
      }
      // The per-minute tables, each in batches of batchSize rows.
      const deleteMinutesOf = async (table: 'shadow_minute' | 'shadow_minute_reason'): Promise<number> => {
        let total = 0;
        for (;;) {
          const deleted = await sql`
            DELETE FROM ${sql.table(`strangler.${table}`)}
            WHERE ctid IN (SELECT ctid FROM ${sql.table(`strangler.${table}`)} WHERE minute < ${olderThan} LIMIT ${batchSize})`.execute(
            db,
          );
          const n = Number(deleted.numAffectedRows ?? 0n);
          total += n;
          if (n < batchSize) return total;
        }
      };
      const minutes = await deleteMinutesOf('shadow_minute');
      await deleteMinutesOf('shadow_minute_reason');
      // Groups QA has decided on (accepted, defect) stay: they carry the decision and its rule.
      for (;;) {
        const deleted = await sql`
          DELETE FROM strangler.shadow_group
          WHERE id IN (SELECT id FROM strangler.shadow_group
                       WHERE status = 'open' AND last_seen < ${olderThan} LIMIT ${batchSize})`.execute(db);
        const n = Number(deleted.numAffectedRows ?? 0n);
        groups += n;
        if (n < batchSize) break;
      }
      // Groups that lost samples may take new ones again, up to the cap.
      const ids = [...touched];
      for (let i = 0; i < ids.length; i += batchSize) {
        const chunk = ids.slice(i, i + batchSize);
        await sql`
          UPDATE strangler.shadow_group g
          SET sample_count = (SELECT count(*) FROM strangler.shadow_sample s WHERE s.group_id = g.id)
          WHERE g.id = ANY(${chunk}::uuid[])`.execute(db);
      }
      return { samples, minutes, groups };
    },

    async exportSamples(routeId, { limit, status }) {
      let query = db
        .selectFrom('strangler.shadow_sample as s')
        .innerJoin('strangler.shadow_group as g', 'g.id', 's.group_id')
        .select([
          's.id',
          's.captured_at',
          's.request',
          's.legacy',
          's.candidate',
          's.diffs',
          's.noise',
          'g.route_id',
          'g.fingerprint',
          'g.status',
        ])
        .where('g.route_id', '=', routeId);
      if (status !== undefined) query = query.where('g.status', '=', status);
      const rows = await query.orderBy('s.captured_at', 'desc').orderBy('s.id').limit(limit).execute();
      return rows.map((r): ExportedSample => ({
        id: r.id,
        routeId: r.route_id,
        fingerprint: r.fingerprint,
        groupStatus: r.status,
        capturedAt: r.captured_at,
        request: r.request as StoredRequest,
        legacy: r.legacy as StoredResponse,
        candidate: r.candidate as StoredResponse,
        diffs: r.diffs as ExportedSample['diffs'],
        noise: r.noise as ExportedSample['noise'],
      }));
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
