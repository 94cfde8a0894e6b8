import type { ApplyResult, LegacyWriter, SyncChange } from '../../src/sync/sync-engine.ts';
import type { SyncEntity, SyncOwnership } from '../../src/sync/sync-entities.ts';
import { applyBatchOnce } from './sync-apply.ts';
import type { MssqlConnector } from './sync-session.ts';
import { bumpVersionStatement, pruneAppliedStatement } from './sync-write-tsql.ts';

/**
 * PostgreSQL → Azure SQL, the same contract as adapters/postgres/sync-legacy-writer.ts: one READ
 * COMMITTED transaction per batch (sync-apply.ts), its writes tagged with the sync's change-tracking
 * context so the change feed skips them.
 */
export function createMssqlLegacyWriter(connector: MssqlConnector): LegacyWriter {
  return {
    async applyBatch(changes: readonly SyncChange[], ownership: SyncOwnership): Promise<ApplyResult[]> {
      if (changes.length === 0) return [];
      return connector.transaction('READ COMMITTED', (session) =>
        applyBatchOnce(session, changes, ownership),
      );
    },
    ping: () => connector.ping(),
    pruneApplied: (olderThan, batchSize) => pruneApplied(connector, olderThan, batchSize),
    async bumpVersion(entity: SyncEntity, key: string, atLeast: string, origin: string): Promise<boolean> {
      return connector.transaction('READ COMMITTED', async (session) => {
        const rows = await session.execute(bumpVersionStatement(entity, key, atLeast, origin));
        return Number(rows[0]?.n ?? 0) > 0;
      });
    },
  };
}

/** Deletes applied-event records past retention one bounded transaction at a time; returns how many. */
async function pruneApplied(connector: MssqlConnector, olderThan: Date, batchSize: number): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await connector.transaction('READ COMMITTED', (session) =>
      session.execute(pruneAppliedStatement(olderThan, batchSize)),
    );
    const n = Number(rows[0]?.n ?? 0);
    total += n;
    if (n < batchSize) return total;
  }
}
