import type pg from 'pg';

import type { LegacySyncEngine } from '../../src/sync/sync-engine.ts';
import { createPostgresLegacyChangeFeed } from './sync-change-feed.ts';
import { createPostgresLegacyReader } from './sync-legacy-reader.ts';
import { createPostgresLegacyWriter } from './sync-legacy-writer.ts';

/** The sync's view of the legacy stand-in (PostgreSQL, dbo schema): writer, change feed, row reader. */
export function createPostgresLegacySyncEngine(pool: pg.Pool): LegacySyncEngine {
  return {
    engine: 'postgres',
    writer: createPostgresLegacyWriter(pool),
    feed: createPostgresLegacyChangeFeed(pool),
    reader: createPostgresLegacyReader(pool),
  };
}
