import { sql, type Kysely, type Transaction } from 'kysely';
import { ConflictError } from './conflict-error.ts';
import { histogramQuantile } from './latency-percentile.ts';
import { NotFoundError } from './not-found-error.ts';
import type { QaDatabase } from './qa-tables.ts';
import type {
  AcceptedRules,
  Actor,
  AuditEntry,
  CapturedMessage,
  DiffEntry,
  DiffGroup,
  GroupStatus,
  IgnoreRule,
  MatchRatePoint,
  ReportStore,
  RouteStats,
  Sample,
  SampleSummary,
  TimeWindow,
} from './report-store.ts';

interface DiffPath {
  readonly path: string;
  readonly kind: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The reports over PostgreSQL. Every change runs in one transaction with its audit row, and locks
 * the group or rule it changes, so two QA people (or two replicas) cannot both accept a group.
 */
export function createPostgresReportStore<DB>(database: Kysely<DB>): ReportStore {
  // The reports only touch their own tables, whatever else the caller's database type declares.
  const db = database as unknown as Kysely<QaDatabase>;

  // Aggregated in PostgreSQL: a 14-day window is 20 160 minute rows per route, which should not
  // travel to the admin process to be summed.
  const totals = (routeIds: readonly string[], window: TimeWindow) =>
    sql<{ route_id: string; match: string; mismatch: string; noise: string; error: string; skipped: string }>`
      SELECT route_id, sum(match) AS match, sum(mismatch) AS mismatch, sum(noise) AS noise,
             sum(error) AS error, sum(skipped) AS skipped
      FROM strangler.shadow_minute
      WHERE route_id = ANY(${[...routeIds]}::text[]) AND minute >= ${window.from} AND minute < ${window.to}
      GROUP BY route_id`.execute(db);

  const histograms = (routeIds: readonly string[], window: TimeWindow) =>
    sql<{ route_id: string; side: 'legacy' | 'new'; i: number; n: string }>`
      SELECT m.route_id, 'legacy' AS side, b.i::int AS i, sum(b.n) AS n
      FROM strangler.shadow_minute m, unnest(m.legacy_latency_buckets) WITH ORDINALITY AS b(n, i)
      WHERE m.route_id = ANY(${[...routeIds]}::text[]) AND m.minute >= ${window.from} AND m.minute < ${window.to}
      GROUP BY m.route_id, b.i
      UNION ALL
      SELECT m.route_id, 'new' AS side, b.i::int AS i, sum(b.n) AS n
      FROM strangler.shadow_minute m, unnest(m.new_latency_buckets) WITH ORDINALITY AS b(n, i)
      WHERE m.route_id = ANY(${[...routeIds]}::text[]) AND m.minute >= ${window.from} AND m.minute < ${window.to}
      GROUP BY m.route_id, b.i`.execute(db);

  const reasons = (routeIds: readonly string[], window: TimeWindow) =>
    sql<{ route_id: string; outcome: 'skipped' | 'error'; reason: string; n: string }>`
      SELECT route_id, outcome, reason, sum(count) AS n
      FROM strangler.shadow_minute_reason
      WHERE route_id = ANY(${[...routeIds]}::text[]) AND minute >= ${window.from} AND minute < ${window.to}
      GROUP BY route_id, outcome, reason
      ORDER BY route_id, n DESC, outcome, reason`.execute(db);

  const groupRow = (q: Kysely<QaDatabase> | Transaction<QaDatabase>) =>
    q
      .selectFrom('strangler.shadow_group as g')
      .leftJoin('strangler.qa_decision as d', 'd.group_id', 'g.id')
      .select([
        'g.id',
        'g.route_id',
        'g.fingerprint',
        'g.paths',
        'g.count',
        'g.first_seen',
        'g.last_seen',
        'g.status',
        'd.note',
        'd.link',
        'd.decided_by',
        'd.decided_at',
      ]);

  async function loadGroup(q: Kysely<QaDatabase> | Transaction<QaDatabase>, groupId: string) {
    if (!UUID.test(groupId)) return undefined;
    const row = await groupRow(q).where('g.id', '=', groupId).executeTakeFirst();
    return row === undefined ? undefined : toGroup(row);
  }

  async function audit(
    trx: Transaction<QaDatabase>,
    actor: Actor,
    action: string,
    ids: { routeId: string; groupId?: string | null; ruleId?: string | null },
    detail: Record<string, unknown>,
  ): Promise<void> {
    await trx
      .insertInto('strangler.qa_audit')
      .values({
        actor: actor.name,
        role: actor.role,
        action,
        route_id: ids.routeId,
        group_id: ids.groupId ?? null,
        rule_id: ids.ruleId ?? null,
        detail: JSON.stringify(detail),
      })
      .execute();
  }

  async function decide(
    trx: Transaction<QaDatabase>,
    groupId: string,
    status: GroupStatus,
    note: string | null,
    link: string | null,
    actor: Actor,
  ): Promise<void> {
    await trx.updateTable('strangler.shadow_group').set({ status }).where('id', '=', groupId).execute();
    await trx
      .insertInto('strangler.qa_decision')
      .values({ group_id: groupId, status, note, link, decided_by: actor.name, decided_at: new Date() })
      .onConflict((oc) =>
        oc
          .column('group_id')
          .doUpdateSet({ status, note, link, decided_by: actor.name, decided_at: new Date() }),
      )
      .execute();
  }

  async function lockGroup(trx: Transaction<QaDatabase>, groupId: string) {
    if (!UUID.test(groupId)) throw new NotFoundError('diff group');
    const row = await trx
      .selectFrom('strangler.shadow_group')
      .select(['id', 'route_id', 'fingerprint', 'paths', 'status'])
      .where('id', '=', groupId)
      .forUpdate()
      .executeTakeFirst();
    if (row === undefined) throw new NotFoundError('diff group');
    return row;
  }

  /*
   * The active rules with the differences of the groups they accepted (kinds included, which the
   * rule's own path list lacks). An accepted group outlives the shadow store's retention (only open
   * groups are deleted); a rule whose group is gone anyway still matches by its fingerprint.
   */
  const acceptedRules = async (routeId: string | undefined): Promise<Map<string, AcceptedRules>> => {
    let query = db
      .selectFrom('strangler.qa_rule as r')
      .leftJoin('strangler.shadow_group as g', 'g.id', 'r.group_id')
      .select(['r.route_id', 'r.fingerprint', 'g.paths'])
      .where('r.revoked_at', 'is', null);
    if (routeId !== undefined) query = query.where('r.route_id', '=', routeId);
    const byRoute = new Map<string, { differences: Map<string, DiffPath>; fingerprints: Set<string> }>();
    for (const row of await query.orderBy('r.created_at').execute()) {
      let rules = byRoute.get(row.route_id);
      if (rules === undefined)
        byRoute.set(row.route_id, (rules = { differences: new Map(), fingerprints: new Set() }));
      rules.fingerprints.add(row.fingerprint);
      for (const d of row.paths ?? [])
        rules.differences.set(`${d.kind} ${d.path}`, { path: d.path, kind: d.kind });
    }
    return new Map(
      [...byRoute].map(([id, rules]) => [
        id,
        { differences: [...rules.differences.values()], fingerprints: [...rules.fingerprints] },
      ]),
    );
  };

  const activeRuleQuery = (routeId: string) =>
    db
      .selectFrom('strangler.qa_rule')
      .selectAll()
      .where('route_id', '=', routeId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at');

  return {
    async routeStats(routeIds, window) {
      const out = new Map<string, RouteStats>();
      if (routeIds.length === 0) return out;
      const [sums, buckets, why, open] = await Promise.all([
        totals(routeIds, window),
        histograms(routeIds, window),
        reasons(routeIds, window),
        db
          .selectFrom('strangler.shadow_group')
          .select(['route_id', sql<string>`count(*)`.as('n')])
          .where('route_id', 'in', routeIds)
          .where('status', '=', 'open')
          .where('last_seen', '>=', window.from)
          .where('first_seen', '<', window.to)
          .groupBy('route_id')
          .execute(),
      ]);
      const openBy = new Map(open.map((o) => [o.route_id, Number(o.n)]));
      const sumsBy = new Map(sums.rows.map((r) => [r.route_id, r]));
      const histogram = (routeId: string, side: 'legacy' | 'new'): number[] => {
        const h: number[] = [];
        for (const b of buckets.rows) {
          if (b.route_id === routeId && b.side === side) h[b.i - 1] = Number(b.n ?? 0);
        }
        return Array.from(h, (n) => n ?? 0);
      };
      for (const routeId of routeIds) {
        const r = sumsBy.get(routeId);
        const [match, mismatch, noise, error, skipped] = [
          r?.match,
          r?.mismatch,
          r?.noise,
          r?.error,
          r?.skipped,
        ].map((v) => Number(v ?? 0)) as [number, number, number, number, number];
        const legacy = histogram(routeId, 'legacy');
        const candidate = histogram(routeId, 'new');
        out.set(routeId, {
          routeId,
          total: match + mismatch + noise + error + skipped,
          match,
          mismatch,
          noise,
          error,
          skipped,
          matchRate: matchRate(match, noise, mismatch),
          latency: {
            legacyP50Ms: histogramQuantile(0.5, legacy),
            legacyP99Ms: histogramQuantile(0.99, legacy),
            newP50Ms: histogramQuantile(0.5, candidate),
            newP99Ms: histogramQuantile(0.99, candidate),
          },
          openGroups: openBy.get(routeId) ?? 0,
          notCompared: why.rows
            .filter((w) => w.route_id === routeId)
            .map((w) => ({ outcome: w.outcome, reason: w.reason, count: Number(w.n) })),
        });
      }
      return out;
    },

    async matchRateSeries(routeId, window, buckets) {
      const span = window.to.getTime() - window.from.getTime();
      const widthMs = span / buckets;
      const rows = await sql<{ bucket: number; match: string; noise: string; mismatch: string }>`
        SELECT least(${buckets - 1}, floor(extract(epoch FROM (minute - ${window.from}::timestamptz)) * 1000 / ${widthMs}))::int AS bucket,
               sum(match) AS match, sum(noise) AS noise, sum(mismatch) AS mismatch
        FROM strangler.shadow_minute
        WHERE route_id = ${routeId} AND minute >= ${window.from} AND minute < ${window.to}
        GROUP BY 1`.execute(db);
      const acc = Array.from({ length: buckets }, () => ({ match: 0, noise: 0, mismatch: 0 }));
      for (const r of rows.rows) {
        const b = acc[r.bucket];
        if (b === undefined) continue;
        b.match += Number(r.match);
        b.noise += Number(r.noise);
        b.mismatch += Number(r.mismatch);
      }
      return acc.map((b, i): MatchRatePoint => ({
        at: new Date(window.from.getTime() + (i + 1) * widthMs),
        compared: b.match + b.noise + b.mismatch,
        matchRate: matchRate(b.match, b.noise, b.mismatch),
      }));
    },

    async listGroups(routeId, filter) {
      let q = groupRow(db)
        .where('g.route_id', '=', routeId)
        .where('g.last_seen', '>=', filter.window.from)
        .where('g.first_seen', '<', filter.window.to);
      if (filter.status !== undefined) q = q.where('g.status', '=', filter.status);
      const rows = await q.orderBy('g.count', 'desc').orderBy('g.last_seen', 'desc').limit(500).execute();
      return rows.map(toGroup);
    },

    getGroup: (groupId) => loadGroup(db, groupId),

    async listSamples(groupId, limit) {
      if (!UUID.test(groupId)) return [];
      const rows = await db
        .selectFrom('strangler.shadow_sample')
        .selectAll()
        .where('group_id', '=', groupId)
        .orderBy('captured_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => toSummary(r));
    },

    async getSample(sampleId) {
      if (!UUID.test(sampleId)) return undefined;
      const row = await db
        .selectFrom('strangler.shadow_sample as s')
        .innerJoin('strangler.shadow_group as g', 'g.id', 's.group_id')
        .selectAll('s')
        .select('g.route_id')
        .where('s.id', '=', sampleId)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const sample: Sample = {
        ...toSummary(row),
        routeId: row.route_id,
        request: message(row.request),
        legacy: message(row.legacy),
        new: message(row.candidate),
        diffs: entries(row.diffs),
        noise: entries(row.noise),
      };
      return sample;
    },

    async activeRules(routeId) {
      return (await activeRuleQuery(routeId).execute()).map(toRule);
    },

    async loadAcceptedRules(routeId): Promise<AcceptedRules> {
      return (await acceptedRules(routeId)).get(routeId) ?? { differences: [], fingerprints: [] };
    },

    loadAllAcceptedRules() {
      return acceptedRules(undefined);
    },

    async acceptGroup(groupId, reason, actor) {
      return db.transaction().execute(async (trx) => {
        const group = await lockGroup(trx, groupId);
        const existing = await trx
          .selectFrom('strangler.qa_rule')
          .select('id')
          .where('group_id', '=', groupId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (existing !== undefined) throw new ConflictError('this group is already accepted');
        const paths = [...new Set(group.paths.map((p) => p.path))];
        const rule = await trx
          .insertInto('strangler.qa_rule')
          .values({
            route_id: group.route_id,
            group_id: groupId,
            fingerprint: group.fingerprint,
            paths: JSON.stringify(paths),
            reason,
            created_by: actor.name,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await decide(trx, groupId, 'accepted', reason, null, actor);
        await audit(
          trx,
          actor,
          'group.accept',
          { routeId: group.route_id, groupId, ruleId: rule.id },
          {
            reason,
            paths,
            previousStatus: group.status,
          },
        );
        return toRule(rule);
      });
    },

    async markDefect(groupId, note, link, actor) {
      await db.transaction().execute(async (trx) => {
        const group = await lockGroup(trx, groupId);
        const active = await trx
          .selectFrom('strangler.qa_rule')
          .select('id')
          .where('group_id', '=', groupId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (active !== undefined) {
          throw new ConflictError('this group is accepted: an operator must revoke its rule first');
        }
        await decide(trx, groupId, 'defect', note, link, actor);
        await audit(
          trx,
          actor,
          'group.defect',
          { routeId: group.route_id, groupId },
          {
            note,
            link,
            previousStatus: group.status,
          },
        );
      });
      const updated = await loadGroup(db, groupId);
      if (updated === undefined) throw new NotFoundError('diff group');
      return updated;
    },

    async revokeRule(ruleId, reason, actor) {
      if (!UUID.test(ruleId)) throw new NotFoundError('rule');
      return db.transaction().execute(async (trx) => {
        const rule = await trx
          .selectFrom('strangler.qa_rule')
          .selectAll()
          .where('id', '=', ruleId)
          .forUpdate()
          .executeTakeFirst();
        if (rule === undefined) throw new NotFoundError('rule');
        if (rule.revoked_at !== null) throw new ConflictError('this rule is already revoked');
        const revoked = await trx
          .updateTable('strangler.qa_rule')
          .set({ revoked_at: new Date(), revoked_by: actor.name, revoke_reason: reason })
          .where('id', '=', ruleId)
          .returningAll()
          .executeTakeFirstOrThrow();
        const group = await trx
          .selectFrom('strangler.shadow_group')
          .select('id')
          .where('id', '=', rule.group_id)
          .forUpdate()
          .executeTakeFirst();
        if (group !== undefined) await decide(trx, group.id, 'open', `revoked: ${reason}`, null, actor);
        await audit(
          trx,
          actor,
          'rule.revoke',
          { routeId: rule.route_id, groupId: rule.group_id, ruleId },
          {
            reason,
            paths: rule.paths,
          },
        );
        return toRule(revoked);
      });
    },

    async deleteGroup(groupId, reason, actor) {
      await db.transaction().execute(async (trx) => {
        const group = await lockGroup(trx, groupId);
        const samples = await trx
          .deleteFrom('strangler.shadow_sample')
          .where('group_id', '=', groupId)
          .executeTakeFirst();
        await trx.deleteFrom('strangler.qa_decision').where('group_id', '=', groupId).execute();
        await trx.deleteFrom('strangler.shadow_group').where('id', '=', groupId).execute();
        await audit(
          trx,
          actor,
          'group.delete',
          { routeId: group.route_id, groupId },
          {
            reason,
            fingerprint: group.fingerprint,
            paths: group.paths,
            status: group.status,
            samplesDeleted: Number(samples.numDeletedRows),
          },
        );
      });
    },

    async auditLog(filter) {
      let q = db.selectFrom('strangler.qa_audit').selectAll();
      if (filter.routeId !== undefined) q = q.where('route_id', '=', filter.routeId);
      const rows = await q.orderBy('id', 'desc').limit(filter.limit).execute();
      return rows.map((r): AuditEntry => ({
        id: String(r.id),
        at: r.at,
        actor: r.actor,
        role: r.role,
        action: r.action,
        routeId: r.route_id,
        groupId: r.group_id,
        ruleId: r.rule_id,
        detail: r.detail,
      }));
    },

    async revokeSession(sessionId, expiresAt, actor) {
      await db.transaction().execute(async (trx) => {
        // Housekeeping on the way: a session past its expiry is refused by its signature alone. The
        // database's clock and an hour's margin, so a replica whose clock runs behind still refuses it.
        await trx
          .deleteFrom('strangler.qa_session_revocation')
          .where('expires_at', '<', sql<Date>`now() - interval '1 hour'`)
          .execute();
        await trx
          .insertInto('strangler.qa_session_revocation')
          .values({ session_id: sessionId, expires_at: expiresAt })
          .onConflict((oc) => oc.column('session_id').doNothing())
          .execute();
        await trx
          .insertInto('strangler.qa_audit')
          .values({ actor: actor.name, role: actor.role, action: 'sign-out', detail: JSON.stringify({}) })
          .execute();
      });
    },

    async isSessionRevoked(sessionId) {
      const row = await db
        .selectFrom('strangler.qa_session_revocation')
        .select('session_id')
        .where('session_id', '=', sessionId)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

/** Noise-only comparisons agree once noise is excluded; errors and skips say nothing about agreement. */
function matchRate(match: number, noise: number, mismatch: number): number | null {
  const compared = match + noise + mismatch;
  return compared === 0 ? null : (match + noise) / compared;
}

function toGroup(row: {
  id: string;
  route_id: string;
  fingerprint: string;
  paths: { path: string; kind: string }[];
  count: string;
  first_seen: Date;
  last_seen: Date;
  status: string;
  note: string | null;
  link: string | null;
  decided_by: string | null;
  decided_at: Date | null;
}): DiffGroup {
  return {
    id: row.id,
    routeId: row.route_id,
    fingerprint: row.fingerprint,
    paths: row.paths.map((p) => ({ path: p.path, kind: p.kind })),
    count: Number(row.count),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    status: (row.status === 'accepted' || row.status === 'defect' ? row.status : 'open') as GroupStatus,
    statusNote: row.note,
    statusLink: row.link,
    statusBy: row.decided_by,
    statusAt: row.decided_at,
  };
}

function toRule(row: {
  id: string;
  route_id: string;
  group_id: string;
  fingerprint: string;
  paths: string[];
  reason: string;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}): IgnoreRule {
  return {
    id: row.id,
    routeId: row.route_id,
    groupId: row.group_id,
    fingerprint: row.fingerprint,
    paths: row.paths,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    revokeReason: row.revoke_reason,
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function message(value: unknown): CapturedMessage {
  const v = record(value);
  return {
    ...(typeof v.status === 'number' ? { status: v.status } : {}),
    ...(typeof v.method === 'string' ? { method: v.method } : {}),
    ...(typeof v.path === 'string' ? { path: v.path } : {}),
    ...(typeof v.query === 'string' && v.query !== '' ? { query: v.query } : {}),
    headers: record(v.headers),
    body: v.body,
  };
}

function entries(value: unknown): DiffEntry[] {
  if (!Array.isArray(value)) return [];
  return value.map((e: unknown) => {
    const v = record(e);
    return { path: String(v.path ?? ''), kind: String(v.kind ?? ''), legacy: v.legacy, new: v.new };
  });
}

function toSummary(row: {
  id: string;
  group_id: string;
  captured_at: Date;
  request: unknown;
  legacy: unknown;
  candidate: unknown;
}): SampleSummary {
  const request = message(row.request);
  const query = record(row.request).query;
  return {
    id: row.id,
    groupId: row.group_id,
    capturedAt: row.captured_at,
    method: request.method ?? '',
    path: `${request.path ?? ''}${typeof query === 'string' && query !== '' ? `?${query}` : ''}`,
    legacyStatus: message(row.legacy).status ?? null,
    newStatus: message(row.candidate).status ?? null,
  };
}
