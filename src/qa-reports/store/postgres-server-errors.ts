import { sql, type Kysely } from 'kysely';
import type { QaDatabase } from '../qa-tables.ts';
import type { ReportStore } from '../report-store.ts';

type Db = Kysely<QaDatabase>;

/**
 * Each side's 5xx answers in a window, estimated from the stored samples: the minute counters hold no
 * status, and a 5xx on one side only is a status mismatch, so it sits in a diff group whose samples
 * carry both statuses. A group keeps a capped number of samples, so its occurrences in the window are
 * shared out in the proportion of its samples that answered 5xx. A 5xx from both sides with equal
 * bodies is a match and is not counted here.
 */
export function createPostgresServerErrors(db: Db): Pick<ReportStore, 'serverErrors'> {
  return {
    async serverErrors(routeId, window) {
      const result = await sql<{ legacy: string | null; new: string | null }>`
        WITH occurrences AS (
          SELECT m.group_id, sum(m.count) AS n
          FROM strangler.shadow_group_minute m JOIN strangler.shadow_group g ON g.id = m.group_id
          WHERE g.route_id = ${routeId} AND m.minute >= ${window.from} AND m.minute < ${window.to}
          GROUP BY m.group_id
        ), shares AS (
          SELECT s.group_id,
                 avg(CASE WHEN (s.legacy ->> 'status')::int >= 500 THEN 1 ELSE 0 END) AS legacy,
                 avg(CASE WHEN (s.candidate ->> 'status')::int >= 500 THEN 1 ELSE 0 END) AS new
          FROM strangler.shadow_sample s
          WHERE s.group_id IN (SELECT group_id FROM occurrences)
          GROUP BY s.group_id
        )
        SELECT sum(o.n * s.legacy) AS legacy, sum(o.n * s.new) AS new
        FROM occurrences o JOIN shares s ON s.group_id = o.group_id`.execute(db);
      const row = result.rows[0];
      return { legacy: Number(row?.legacy ?? 0), new: Number(row?.new ?? 0) };
    },
  };
}
