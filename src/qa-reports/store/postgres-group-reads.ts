import type { Kysely, Transaction } from 'kysely';
import type { QaDatabase } from '../qa-tables.ts';
import type { DiffGroup, ReportStore, Sample } from '../report-store.ts';
import {
  isUuid,
  toCapturedMessage,
  toDiffEntries,
  toGroup,
  toSampleCaller,
  toSummary,
} from './report-rows.ts';

type Db = Kysely<QaDatabase>;
type ReadGroups = Pick<ReportStore, 'listGroups' | 'getGroup' | 'listSamples' | 'getSample'>;

/** The read side's diff groups, each with its QA decision, and their captured samples. */
export function createPostgresGroupReads(db: Db): ReadGroups {
  return {
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
      if (!isUuid(groupId)) return [];
      const rows = await db
        .selectFrom('strangler.shadow_sample')
        .selectAll()
        .where('group_id', '=', groupId)
        .orderBy('captured_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => toSummary(r));
    },

    getSample: (sampleId) => loadSample(db, sampleId),
  };
}

/** One group with its decision; decisions read it back inside their transaction too. */
export async function loadGroup(
  q: Db | Transaction<QaDatabase>,
  groupId: string,
): Promise<DiffGroup | undefined> {
  if (!isUuid(groupId)) return undefined;
  const row = await groupRow(q).where('g.id', '=', groupId).executeTakeFirst();
  return row === undefined ? undefined : toGroup(row);
}

const groupRow = (q: Db | Transaction<QaDatabase>) =>
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

async function loadSample(db: Db, sampleId: string): Promise<Sample | undefined> {
  if (!isUuid(sampleId)) return undefined;
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
    caller: toSampleCaller(row),
    request: toCapturedMessage(row.request),
    legacy: toCapturedMessage(row.legacy),
    new: toCapturedMessage(row.candidate),
    noise: toDiffEntries(row.noise),
  };
  return sample;
}
