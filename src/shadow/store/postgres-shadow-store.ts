import { sql, type Kysely } from 'kysely';
import type { RouteNoise } from '../noise/noise-model.ts';
import type { StoredRequest, StoredResponse } from '../redact.ts';
import { writeBatch } from './postgres-batch-write.ts';
import { deleteExpired } from './postgres-expired-rows.ts';
import type { ExportedSample, ShadowStore } from './shadow-store.ts';
import type { ShadowDatabase } from './shadow-tables.ts';

export interface PostgresShadowStoreOptions {
  /** Samples kept per diff group (default 20): enough to see the pattern, bounded whatever the traffic. */
  readonly samplesPerGroup?: number;
}

/**
 * The shadow store on PostgreSQL. Takes any kysely instance on the proxy's database (the tables are
 * schema-qualified), e.g. the new database's. Batches are written by postgres-batch-write.ts (safe for
 * concurrent replicas), retention by postgres-expired-rows.ts; the reads are here.
 */
export function createPostgresShadowStore(
  database: Kysely<unknown>,
  options: PostgresShadowStoreOptions = {},
): ShadowStore {
  // The tables are schema-qualified, so any kysely instance on the database will do; only the types differ.
  const db = database as unknown as Kysely<ShadowDatabase>;
  const cap = options.samplesPerGroup ?? 20;

  return {
    writeBatch: (batch) => writeBatch(db, batch, cap),

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

    deleteExpired: (options) => deleteExpired(db, options),

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
