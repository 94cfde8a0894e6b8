import { openLegacySyncEngine } from '../adapters/open-legacy-sync-engine.ts';
import type { Logger } from '../src/observability/logger.ts';
import { createSyncPool } from '../src/sync/sync-pool.ts';

/**
 * The new database's pool and the legacy sync engine a sync script works on, both named
 * `applicationName` in the databases' session lists. A dropped connection must fail the run with a
 * message, not crash it with an unhandled 'error' event.
 */
export function openSyncDatabases(
  settings: { readonly databaseUrl: string; readonly legacyUrl: string },
  applicationName: string,
  logger: Logger,
) {
  const newPool = createSyncPool(
    { connectionString: settings.databaseUrl, max: 3, application_name: applicationName },
    (error) => logger.warn('connection lost', { error: error.message }),
  );
  const legacy = openLegacySyncEngine(settings.legacyUrl, { applicationName });
  return { newPool, legacy };
}
