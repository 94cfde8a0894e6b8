/**
 * What the sync's operator scripts (backfill, reconcile) share: the options that scope a run (`--entity`,
 * `--actor`, `--ownership`), the two database URLs, and the databases opened for the run and closed after.
 */
import type { ParseArgsOptionsConfig } from 'node:util';

import { openLegacySyncEngine } from '../adapters/open-legacy-sync-engine.ts';
import type { Logger } from '../src/observability/logger.ts';
import type { LegacyRowReader, LegacySyncEngine } from '../src/sync/sync-engine.ts';
import type { SyncEntity, SyncOwnership } from '../src/sync/sync-entities.ts';
import { createSyncPool } from '../src/sync/sync-pool.ts';
import type pg from 'pg';
import { cliOptions, DEFAULT_ACTOR, settingsOrExit, syncScopeSettings } from './cli-args.ts';
import { databaseUrlSetting } from './demo/demo-database-urls.ts';

const SCOPE_OPTIONS = {
  entity: { type: 'string', multiple: true },
  actor: { type: 'string', default: DEFAULT_ACTOR },
  ownership: { type: 'string' },
} as const;

/** The script's own options and the scope options, parsed (usage and exit on `--help` or a bad option). */
export function syncScriptOptions<const T extends ParseArgsOptionsConfig>(options: T, usage: string) {
  return cliOptions({ ...options, ...SCOPE_OPTIONS }, usage);
}

export interface SyncScriptSettings {
  readonly databaseUrl: string;
  readonly legacyUrl: string;
  readonly entities: readonly SyncEntity[];
  readonly ownership: SyncOwnership;
}

/**
 * The database URLs (the running demo's when DATABASE_URL / LEGACY_DATABASE_URL are unset), the scope and
 * what `read` adds, every problem reported at once (settingsOrExit).
 */
export function syncScriptSettings<R>(
  usage: string,
  values: { readonly entity?: readonly string[] | undefined; readonly ownership?: string | undefined },
  read: (problems: string[]) => R,
): SyncScriptSettings & R {
  return settingsOrExit(usage, (problems) => ({
    databaseUrl: databaseUrlSetting(problems, process.env, 'new'),
    legacyUrl: databaseUrlSetting(problems, process.env, 'legacy'),
    ...read(problems),
    ...syncScopeSettings(problems, values),
  }));
}

/**
 * The rows the readers' tables hold together, from the databases' statistics: the total a progress line
 * counts towards. Undefined when any of them cannot tell (no statistics yet, no permission).
 */
export async function estimatedRows(
  readers: readonly LegacyRowReader[],
  entity: SyncEntity,
): Promise<number | undefined> {
  try {
    const estimates = await Promise.all(readers.map((r) => r.estimateRows?.(entity)));
    return estimates.some((e) => e === undefined)
      ? undefined
      : estimates.reduce<number>((sum, e) => sum + (e ?? 0), 0);
  } catch {
    // Only the progress line's total depends on it: the run goes on without one.
    return undefined;
  }
}

/**
 * Runs `step` for each entity in turn on the new database's pool and the legacy sync engine, both named
 * `applicationName` in the databases' session lists, closes both after, and returns the sum of what the
 * steps returned (the differences they left). A dropped connection must fail the run with a message,
 * not crash it with an unhandled 'error' event.
 */
export async function sumOverEntities(
  settings: Pick<SyncScriptSettings, 'databaseUrl' | 'legacyUrl'>,
  applicationName: string,
  logger: Logger,
  entities: readonly SyncEntity[],
  step: (entity: SyncEntity, newPool: pg.Pool, legacy: LegacySyncEngine) => Promise<number>,
): Promise<number> {
  const newPool = createSyncPool(
    { connectionString: settings.databaseUrl, max: 3, application_name: applicationName },
    (error) => logger.warn('connection lost', { error: error.message }),
  );
  const legacy = openLegacySyncEngine(settings.legacyUrl, { applicationName });
  try {
    let sum = 0;
    for (const entity of entities) sum += await step(entity, newPool, legacy.engine);
    return sum;
  } finally {
    await Promise.all([newPool.end(), legacy.close()]);
  }
}
