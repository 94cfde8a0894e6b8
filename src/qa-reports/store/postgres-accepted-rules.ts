import type { Kysely } from 'kysely';
import type { AcceptedDifference } from '../../shadow/accepted-differences.ts';
import type { QaDatabase } from '../qa-tables.ts';
import type { AcceptedRules, ReportStore } from '../report-store.ts';
import { toRule } from './report-rows.ts';

type Db = Kysely<QaDatabase>;
type ReadRules = Pick<ReportStore, 'activeRules' | 'loadAcceptedRules' | 'loadAllAcceptedRules'>;

/** The ignore rules that accepted groups became: for the route page and for the shadow runner. */
export function createPostgresAcceptedRules(db: Db): ReadRules {
  return {
    async activeRules(routeId) {
      const rows = await db
        .selectFrom('strangler.qa_rule')
        .selectAll()
        .where('route_id', '=', routeId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at')
        .execute();
      return rows.map(toRule);
    },

    async loadAcceptedRules(routeId): Promise<AcceptedRules> {
      return (await acceptedRules(db, routeId)).get(routeId) ?? { differences: [], fingerprints: [] };
    },

    loadAllAcceptedRules() {
      return acceptedRules(db, undefined);
    },
  };
}

/*
 * The active rules' accepted differences, each with what is equivalent there. A rule accepted before
 * rules carried values takes its group's differences (kinds included, which its own path list lacks)
 * and its fingerprint, which still matches should the group be gone.
 */
async function acceptedRules(db: Db, routeId: string | undefined): Promise<Map<string, AcceptedRules>> {
  let query = db
    .selectFrom('strangler.qa_rule as r')
    .leftJoin('strangler.shadow_group as g', 'g.id', 'r.group_id')
    .select(['r.route_id', 'r.fingerprint', 'r.equivalences', 'g.paths'])
    .where('r.revoked_at', 'is', null);
  if (routeId !== undefined) query = query.where('r.route_id', '=', routeId);
  const byRoute = new Map<string, { differences: AcceptedDifference[]; fingerprints: Set<string> }>();
  for (const row of await query.orderBy('r.created_at').execute()) {
    let rules = byRoute.get(row.route_id);
    if (rules === undefined)
      byRoute.set(row.route_id, (rules = { differences: [], fingerprints: new Set() }));
    if (row.equivalences !== null) {
      rules.differences.push(...row.equivalences);
      continue;
    }
    // Accepted before rules carried values: the group's differences are ignored whatever their values.
    rules.fingerprints.add(row.fingerprint);
    for (const d of row.paths ?? []) rules.differences.push({ path: d.path, kind: d.kind });
  }
  return new Map(
    [...byRoute].map(([id, rules]) => [
      id,
      { differences: rules.differences, fingerprints: [...rules.fingerprints] },
    ]),
  );
}
