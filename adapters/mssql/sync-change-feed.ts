import { canonicalRow } from '../../src/sync/canonical-row.ts';
import type { CanonicalRow } from '../../src/sync/canonical-row.ts';
import { rowMapKey } from '../../src/sync/sync-engine.ts';
import type { LegacyChangeBatch, LegacyChangeFeed, LegacyChangeRef } from '../../src/sync/sync-engine.ts';
import { SYNC_ENTITIES } from '../../src/sync/sync-entities.ts';
import type { SyncEntity } from '../../src/sync/sync-entities.ts';
import { SYNC_CONTEXT } from './sync-write-tsql.ts';
import { bracket, canonicalReadExpr } from './sync-session.ts';
import type { MssqlConnector, MssqlStatement } from './sync-session.ts';

/** Position on SQL Server: the Change Tracking version everything up to which has been applied. */
export interface ChangeTrackingPosition {
  readonly version: string;
}

/**
 * A delete carries no row version on SQL Server (Change Tracking keeps only the key), so it is applied
 * whatever version the new side holds.
 */
export const DELETE_ANY_VERSION = '9223372036854775807';

/** Current version and, per table, the oldest version Change Tracking can still answer from. */
export function versionsStatement(): MssqlStatement {
  const perTable = SYNC_ENTITIES.map(
    (e) =>
      `CONVERT(varchar(20), CHANGE_TRACKING_MIN_VALID_VERSION(OBJECT_ID(N'dbo.${e.legacyTable}'))) AS ${bracket(e.legacyTable)}`,
  );
  return {
    sql: `SELECT CONVERT(varchar(20), CHANGE_TRACKING_CURRENT_VERSION()) AS [current], ${perTable.join(', ')}`,
    params: [],
  };
}

/**
 * Net changes of one table since the checkpoint, joined to the current rows, without the sync's own
 * writes (their SYS_CHANGE_CONTEXT). Run in the same SNAPSHOT transaction as versionsStatement, so the
 * rows and the version that becomes the next checkpoint agree
 * (https://learn.microsoft.com/sql/relational-databases/track-changes/work-with-change-tracking-sql-server).
 */
export function changesStatement(entity: SyncEntity, since: string, until: string): MssqlStatement {
  const key = bracket(entity.key.legacyName);
  const columns = entity.columns.map(
    (c) => `${canonicalReadExpr(c, `t.${bracket(c.legacyName)}`)} AS ${bracket(c.name)}`,
  );
  return {
    sql:
      `SELECT LOWER(CONVERT(char(36), ct.${key})) AS [ct_key], ct.SYS_CHANGE_OPERATION AS [ct_operation], ` +
      `CONVERT(varchar(20), ct.SYS_CHANGE_VERSION) AS [ct_version], ${columns.join(', ')} ` +
      `FROM CHANGETABLE(CHANGES dbo.${bracket(entity.legacyTable)}, @since) AS ct ` +
      `LEFT JOIN dbo.${bracket(entity.legacyTable)} AS t ON t.${key} = ct.${key} ` +
      `WHERE (ct.SYS_CHANGE_CONTEXT IS NULL OR ct.SYS_CHANGE_CONTEXT <> ${SYNC_CONTEXT}) AND ct.SYS_CHANGE_VERSION <= @until ` +
      `ORDER BY ct.SYS_CHANGE_VERSION`,
    params: [
      { name: 'since', type: 'BigInt', value: since },
      { name: 'until', type: 'BigInt', value: until },
    ],
  };
}

/**
 * Azure SQL → PostgreSQL feed over Change Tracking. The net changes since the checkpoint are read whole
 * (Change Tracking returns one row per changed key, so the batch is bounded by the keys changed, and a
 * partial read could not resume inside one version). When the checkpoint is older than a table's
 * minimum valid version, retention has dropped changes: the caller re-syncs every row.
 */
export function createMssqlLegacyChangeFeed(connector: MssqlConnector): LegacyChangeFeed {
  return {
    feedName: 'legacy_to_new',
    async readChanges(position: unknown): Promise<LegacyChangeBatch> {
      const since = parsePosition(position);
      return connector.transaction('SNAPSHOT', async (session) => {
        const versions = (await session.execute(versionsStatement()))[0] ?? {};
        const current = String(versions.current ?? '0');
        const next: ChangeTrackingPosition = { version: current };
        const outOfRetention =
          since === null ||
          SYNC_ENTITIES.some((e) => BigInt(String(versions[e.legacyTable] ?? '0')) > BigInt(since));
        if (outOfRetention) {
          return { changes: [], rows: new Map(), next, entriesRead: 0, resyncRequired: true };
        }
        const changes: LegacyChangeRef[] = [];
        const rows = new Map<string, CanonicalRow>();
        let entriesRead = 0;
        const now = new Date();
        for (const entity of SYNC_ENTITIES) {
          for (const raw of await session.execute(changesStatement(entity, since, current))) {
            entriesRead += 1;
            const key = String(raw.ct_key);
            const deleted = raw[entity.key.name] === null || raw[entity.key.name] === undefined;
            const row = deleted ? null : canonicalRow(entity, raw);
            if (row !== null) rows.set(rowMapKey(entity.name, key), row);
            changes.push({
              entity: entity.name,
              key,
              operation: deleted ? 'delete' : 'upsert',
              version: row?.version ?? DELETE_ANY_VERSION,
              // Change Tracking keeps no commit time here; the lag metric counts from the read.
              changedAt: now,
            });
          }
        }
        return { changes, rows, next, entriesRead, resyncRequired: false };
      });
    },
  };
}

function parsePosition(position: unknown): string | null {
  if (typeof position === 'object' && position !== null) {
    const { version } = position as Record<string, unknown>;
    if (typeof version === 'string' && /^\d+$/.test(version)) return version;
  }
  return null;
}
