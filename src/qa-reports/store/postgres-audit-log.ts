import type { Kysely, Transaction } from 'kysely';
import type { QaDatabase } from '../qa-tables.ts';
import type { Actor, AuditEntry, ReportStore } from '../report-store.ts';

/** Who changed what: every decision writes its row here in its own transaction (postgres-decisions.ts). */
export function createPostgresAuditLog(db: Kysely<QaDatabase>): Pick<ReportStore, 'auditLog'> {
  return {
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
  };
}

export async function writeAudit(
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
