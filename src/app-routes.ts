/**
 * The application's routes as the composition root builds them, in one place for
 * the two threads that need them: src/main.ts serves them, and the shadow thread
 * (src/shadow/thread) builds the same records on a database pool of its own, because route records
 * hold handlers and cannot cross threads.
 */
import type { Kysely } from 'kysely';

import { openNewDatabase } from '../adapters/database.ts';
import type { NewDatabase } from '../adapters/schema.ts';
import { createRoutes } from '../routes/index.ts';
import type { ChangeListener, EntityChange } from '../routes/index.ts';
import type { RouteRecord } from './routing/route.ts';
import type { ShadowThreadRoutes } from './shadow/thread/shadow-thread.ts';
import { enqueueChange } from './sync/outbox.ts';
import type { EntityName } from './sync/sync-entities.ts';

const ENTITY_OF: Readonly<Record<EntityChange['entity'], EntityName>> = {
  athlete: 'athletes',
  wellness_entry: 'wellness_entries',
};

/** Every write of a new handler queues its change for the dual-write sync in the same transaction. */
const outboxListener: ChangeListener = async (trx, change) => {
  await enqueueChange(trx, {
    entity: ENTITY_OF[change.entity],
    key: change.id,
    operation: 'upsert',
    version: change.version,
  });
};

/** `outbox`: a legacy database is known, so handlers write outbox rows for the sync to carry there. */
export function createAppRoutes(db: Kysely<NewDatabase>, outbox: boolean): RouteRecord[] {
  return createRoutes({ db, ...(outbox ? { onChange: outboxListener } : {}) });
}

/** Longest statement, and longest wait for a connection, of the shadow side's handlers. */
const SHADOW_HANDLER_DB_TIMEOUT_MS = 30_000;

export interface AppShadowRoutesOptions {
  readonly databaseUrl: string;
  readonly outbox: boolean;
}

/** The shadow thread's routes module (src/shadow/thread/shadow-thread.ts, ShadowThreadRoutesModule). */
export function createShadowThreadRoutes(options: AppShadowRoutesOptions): ShadowThreadRoutes {
  // Dry runs and shadowed reads only: a small pool of its own, named so it shows apart in pg_stat_activity.
  // A shadow call that outlives its timeout keeps its slot until it settles (shadow-runner.ts): a
  // statement and pool-wait limit ends it even when PostgreSQL stops answering.
  const db = openNewDatabase(options.databaseUrl, {
    applicationName: 'strangler-shadow-handlers',
    poolMax: 4,
    timeoutMs: SHADOW_HANDLER_DB_TIMEOUT_MS,
  });
  return { routes: createAppRoutes(db, options.outbox), close: () => db.destroy() };
}

/** The module reference main.ts hands to the shadow thread. */
export const APP_SHADOW_ROUTES_MODULE = new URL(import.meta.url).href;

/** The shadow thread's entry module, which main.ts hands to startShadowThread. */
export const SHADOW_THREAD_WORKER = new URL('./shadow-thread-worker.ts', import.meta.url);
