import type { Kysely, Transaction } from 'kysely';
import { ConflictError } from '../conflict-error.ts';
import { NotFoundError } from '../not-found-error.ts';
import type { QaDatabase } from '../qa-tables.ts';
import { acceptedDifferencesFor } from '../accept-rule.ts';
import type {
  AcceptDecision,
  Actor,
  DiffEntry,
  DiffGroup,
  GroupStatus,
  IgnoreRule,
  ReportStore,
} from '../report-store.ts';
import { writeAudit } from './postgres-audit-log.ts';
import { loadGroup } from './postgres-group-reads.ts';
import { isUuid, toDiffEntries, toRule } from './report-rows.ts';

type Db = Kysely<QaDatabase>;
type Trx = Transaction<QaDatabase>;
type Decisions = Pick<ReportStore, 'acceptGroup' | 'markDefect' | 'revokeRule' | 'deleteGroup'>;

/**
 * QA's decisions on diff groups. Every change runs in one transaction with its audit row, and locks
 * the group or rule it changes, so two QA people (or two replicas) cannot both accept a group.
 */
export function createPostgresDecisions(db: Db): Decisions {
  return {
    acceptGroup: (groupId, decision, actor) => acceptGroup(db, groupId, decision, actor),
    markDefect: (groupId, note, link, actor) => markDefect(db, groupId, note, link, actor),
    revokeRule: (ruleId, reason, actor) => revokeRule(db, ruleId, reason, actor),
    deleteGroup: (groupId, reason, actor) => deleteGroup(db, groupId, reason, actor),
  };
}

/*
 * The accepted group stops taking occurrences: its fingerprint gets the rule's id, so a later
 * difference at the same paths that the rule does not make equal (another value) opens a new group
 * instead of adding to an accepted one.
 */
async function acceptGroup(
  db: Db,
  groupId: string,
  { reason, ...choice }: AcceptDecision,
  actor: Actor,
): Promise<IgnoreRule> {
  return db.transaction().execute(async (trx) => {
    const group = await lockGroup(trx, groupId);
    if ((await activeRuleOf(trx, groupId)) !== undefined) {
      throw new ConflictError('this group is already accepted');
    }
    const equivalences = acceptedDifferencesFor(group.paths, await newestSampleDiffs(trx, groupId), choice);
    const paths = [...new Set(group.paths.map((p) => p.path))];
    const rule = await trx
      .insertInto('strangler.qa_rule')
      .values({
        route_id: group.route_id,
        group_id: groupId,
        fingerprint: group.fingerprint,
        paths: JSON.stringify(paths),
        equivalences: JSON.stringify(equivalences),
        reason,
        created_by: actor.name,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('strangler.shadow_group')
      .set({ fingerprint: `${group.fingerprint}@accepted:${rule.id}` })
      .where('id', '=', groupId)
      .execute();
    await decide(trx, groupId, 'accepted', reason, null, actor);
    await writeAudit(
      trx,
      actor,
      'group.accept',
      { routeId: group.route_id, groupId, ruleId: rule.id },
      { reason, paths, equivalences, previousStatus: group.status },
    );
    return toRule(rule);
  });
}

async function newestSampleDiffs(trx: Trx, groupId: string): Promise<DiffEntry[] | undefined> {
  const row = await trx
    .selectFrom('strangler.shadow_sample')
    .select('diffs')
    .where('group_id', '=', groupId)
    .orderBy('captured_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : toDiffEntries(row.diffs);
}

async function markDefect(
  db: Db,
  groupId: string,
  note: string,
  link: string | null,
  actor: Actor,
): Promise<DiffGroup> {
  await db.transaction().execute(async (trx) => {
    const group = await lockGroup(trx, groupId);
    if ((await activeRuleOf(trx, groupId)) !== undefined) {
      throw new ConflictError('this group is accepted: an operator must revoke its rule first');
    }
    await decide(trx, groupId, 'defect', note, link, actor);
    await writeAudit(
      trx,
      actor,
      'group.defect',
      { routeId: group.route_id, groupId },
      { note, link, previousStatus: group.status },
    );
  });
  const updated = await loadGroup(db, groupId);
  if (updated === undefined) throw new NotFoundError('diff group');
  return updated;
}

async function revokeRule(db: Db, ruleId: string, reason: string, actor: Actor): Promise<IgnoreRule> {
  if (!isUuid(ruleId)) throw new NotFoundError('rule');
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
    if (group !== undefined) {
      await decide(trx, group.id, 'open', `revoked: ${reason}`, null, actor);
      await takeOccurrencesAgain(trx, group.id, rule);
    }
    await writeAudit(
      trx,
      actor,
      'rule.revoke',
      { routeId: rule.route_id, groupId: rule.group_id, ruleId },
      { reason, paths: rule.paths },
    );
    return toRule(revoked);
  });
}

/** A revoked rule's group takes its occurrences again, unless a newer group has taken its fingerprint since. */
async function takeOccurrencesAgain(
  trx: Trx,
  groupId: string,
  rule: { readonly route_id: string; readonly fingerprint: string },
): Promise<void> {
  const taken = await trx
    .selectFrom('strangler.shadow_group')
    .select('id')
    .where('route_id', '=', rule.route_id)
    .where('fingerprint', '=', rule.fingerprint)
    .executeTakeFirst();
  if (taken !== undefined) return;
  await trx
    .updateTable('strangler.shadow_group')
    .set({ fingerprint: rule.fingerprint })
    .where('id', '=', groupId)
    .execute();
}

async function deleteGroup(db: Db, groupId: string, reason: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const group = await lockGroup(trx, groupId);
    const samples = await trx
      .deleteFrom('strangler.shadow_sample')
      .where('group_id', '=', groupId)
      .executeTakeFirst();
    await trx.deleteFrom('strangler.qa_decision').where('group_id', '=', groupId).execute();
    await trx.deleteFrom('strangler.shadow_group').where('id', '=', groupId).execute();
    await writeAudit(
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
}

async function lockGroup(trx: Trx, groupId: string) {
  if (!isUuid(groupId)) throw new NotFoundError('diff group');
  const row = await trx
    .selectFrom('strangler.shadow_group')
    .select(['id', 'route_id', 'fingerprint', 'paths', 'status'])
    .where('id', '=', groupId)
    .forUpdate()
    .executeTakeFirst();
  if (row === undefined) throw new NotFoundError('diff group');
  return row;
}

const activeRuleOf = (trx: Trx, groupId: string) =>
  trx
    .selectFrom('strangler.qa_rule')
    .select('id')
    .where('group_id', '=', groupId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();

async function decide(
  trx: Trx,
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
