import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import { enqueueChangePg } from '../outbox.ts';
import { applyVersionGuarded } from '../pg-apply.ts';
import { newSideTarget } from '../pg-sync-sql.ts';
import { inTransaction } from '../pg-transaction.ts';
import type { LegacyWriter } from '../sync-engine.ts';
import { syncEntity } from '../sync-entities.ts';
import type { SyncOwnership } from '../sync-entities.ts';
import { recordResults } from '../sync-records.ts';
import type { Mismatch } from './mismatch.ts';
import type { Queryable } from '../pg-transaction.ts';

export interface RepairDeps {
  readonly newPool: pg.Pool;
  readonly legacyWriter: LegacyWriter;
  readonly ownership: SyncOwnership;
}

/**
 * `--repair`: the owner side's row is re-sent through the ordinary sync path, so the fix is
 * ordered, version-guarded and audited like any other change:
 *  - the owner has the row: its version is raised above the other side's and the change travels
 *    (new owner: outbox → relay; legacy owner: change log → poller);
 *  - the owner has no row: a delete at the other side's version is sent to the other side.
 * Returns how many mismatches were sent.
 */
export async function repairMismatches(
  deps: RepairDeps,
  runId: string,
  mismatches: readonly Mismatch[],
  actor: string,
): Promise<number> {
  let repaired = 0;
  for (const m of mismatches) {
    const entity = syncEntity(m.entity);
    const owner = deps.ownership[entity.name];
    if (owner === 'new') {
      await inTransaction(deps.newPool, async (client) => {
        if (m.newRow !== null) {
          const target = newSideTarget(entity);
          await client.query(
            `UPDATE ${target.table} SET version = GREATEST(version, $2::bigint) + 1 WHERE ${target.columnName(entity.key)} = $1::uuid`,
            [m.key, m.legacyRow?.version ?? '0'],
          );
          await enqueueChangePg(client, { entity: entity.name, operation: 'upsert', key: m.key });
        } else {
          await enqueueChangePg(client, {
            entity: entity.name,
            operation: 'delete',
            key: m.key,
            version: m.legacyRow?.version ?? '0',
          });
        }
        await audit(client, runId, m, actor);
      });
    } else if (m.legacyRow !== null) {
      await deps.legacyWriter.bumpVersion(entity, m.key, m.newRow?.version ?? '0', 'repair');
      await inTransaction(deps.newPool, (client) => audit(client, runId, m, actor));
    } else {
      await inTransaction(deps.newPool, async (client) => {
        const change = {
          eventId: randomUUID(),
          entity: entity.name,
          key: m.key,
          operation: 'delete' as const,
          version: m.newRow?.version ?? '0',
          row: null,
        };
        // The owner (legacy) has no row: the new side's row goes, whatever version it reached.
        const side = { targetOf: newSideTarget, writerOwns: () => true };
        const results = await applyVersionGuarded(client, side, [change]);
        await recordResults(client, 'legacy_to_new', [change], results, deps.ownership, actor);
        await audit(client, runId, m, actor);
      });
    }
    repaired += 1;
  }
  await deps.newPool.query(`UPDATE strangler.recon_run SET repaired = repaired + $2 WHERE id = $1`, [
    runId,
    repaired,
  ]);
  return repaired;
}

async function audit(client: Queryable, runId: string, m: Mismatch, actor: string): Promise<void> {
  await client.query(
    `INSERT INTO strangler.sync_audit (direction, entity, entity_key, outcome, actor, detail)
     VALUES ('repair', $1, $2, 'repair_sent', $3, $4::jsonb)`,
    [m.entity, m.key, actor, JSON.stringify({ runId, kind: m.kind })],
  );
  await client.query(
    `UPDATE strangler.recon_mismatch SET repaired_at = now() WHERE run_id = $1 AND entity = $2 AND entity_key = $3`,
    [runId, m.entity, m.key],
  );
}
