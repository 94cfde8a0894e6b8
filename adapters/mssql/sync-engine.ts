import type { LegacySyncEngine } from '../../src/sync/sync-engine.ts';
import { createMssqlLegacyChangeFeed } from './sync-change-feed.ts';
import { createMssqlLegacyReader } from './sync-legacy-reader.ts';
import { createMssqlLegacyWriter } from './sync-legacy-writer.ts';
import type { MssqlConnector } from './sync-session.ts';

/** The sync's view of Azure SQL / SQL Server, over a connector that runs typed statements in transactions. */
export function createMssqlLegacySyncEngine(connector: MssqlConnector): LegacySyncEngine {
  return {
    engine: 'mssql',
    writer: createMssqlLegacyWriter(connector),
    feed: createMssqlLegacyChangeFeed(connector),
    reader: createMssqlLegacyReader(connector),
  };
}
