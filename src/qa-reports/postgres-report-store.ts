import type { Kysely } from 'kysely';
import type { QaDatabase } from './qa-tables.ts';
import type { ReportStore } from './report-store.ts';
import { createPostgresAcceptedRules } from './store/postgres-accepted-rules.ts';
import { createPostgresAuditLog } from './store/postgres-audit-log.ts';
import { createPostgresDecisions } from './store/postgres-decisions.ts';
import { createPostgresGroupReads } from './store/postgres-group-reads.ts';
import { createPostgresRouteStats } from './store/postgres-route-stats.ts';
import { createPostgresServerErrors } from './store/postgres-server-errors.ts';
import { createPostgresSessions } from './store/postgres-sessions.ts';

/*
 * The reports over PostgreSQL, one module per part under store/:
 *
 *   reports    counts, match rates and latency per route        store/postgres-route-stats.ts
 *              diff groups and their samples                    store/postgres-group-reads.ts
 *              each side's 5xx answers, from the samples        store/postgres-server-errors.ts
 *   decisions  the ignore rules accepted groups became          store/postgres-accepted-rules.ts
 *              accept, mark defect, revoke, delete              store/postgres-decisions.ts
 *              who changed what                                 store/postgres-audit-log.ts
 *   sessions   browser sessions signed out before they expire   store/postgres-sessions.ts
 *
 * Rows become report types in store/report-rows.ts, the one place that reads stored traffic.
 */
export function createPostgresReportStore<DB>(database: Kysely<DB>): ReportStore {
  // The reports only touch their own tables, whatever else the caller's database type declares.
  const db = database as unknown as Kysely<QaDatabase>;
  return {
    ...createPostgresRouteStats(db),
    ...createPostgresServerErrors(db),
    ...createPostgresGroupReads(db),
    ...createPostgresAcceptedRules(db),
    ...createPostgresDecisions(db),
    ...createPostgresAuditLog(db),
    ...createPostgresSessions(db),
  };
}
