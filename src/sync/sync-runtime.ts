import type pg from 'pg';
import type { Registry } from 'prom-client';

import type { Logger } from '../observability/logger.ts';
import { createChangePoller } from './change-poller.ts';
import type { ChangePoller, ChangePollerOptions } from './change-poller.ts';
import { createOutboxRelay } from './outbox-relay.ts';
import type { OutboxRelay, OutboxRelayOptions } from './outbox-relay.ts';
import type { LegacySyncEngine } from './sync-engine.ts';
import type { SyncOwnership } from './sync-entities.ts';
import { createSyncMetrics } from './sync-metrics.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import { getSyncStatus } from './sync-status.ts';
import type { SyncStatus } from './sync-status.ts';

export type SyncRole = 'relay' | 'poller' | 'both';

export interface SyncRuntimeDeps {
  /** The new database (entity tables and schema strangler). */
  readonly newPool: pg.Pool;
  readonly legacy: LegacySyncEngine;
  readonly ownership: SyncOwnership;
  readonly logger: Logger;
  /** Where the strangler_sync_* metrics are registered (createMetrics().registry). */
  readonly registry: Registry;
  readonly role?: SyncRole;
  readonly relay?: Partial<OutboxRelayOptions>;
  readonly poller?: Partial<ChangePollerOptions>;
}

export interface SyncRuntime {
  readonly relay: OutboxRelay;
  readonly poller: ChangePoller;
  readonly metrics: SyncMetrics;
  /** For the admin API (GET sync status). */
  getSyncStatus(): Promise<SyncStatus>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Both directions of the sync, for `npm start` (src/main.ts) and scripts/sync-worker.ts. Any number of
 * processes may run it against the same databases: relays share the outbox through SKIP LOCKED, and
 * pollers take turns on the checkpoint row.
 */
export function createSyncRuntime(deps: SyncRuntimeDeps): SyncRuntime {
  const metrics = createSyncMetrics(deps.registry);
  const role = deps.role ?? 'both';
  const relay = createOutboxRelay({
    pool: deps.newPool,
    writer: deps.legacy.writer,
    ownership: deps.ownership,
    logger: deps.logger,
    metrics,
    ...(deps.relay === undefined ? {} : { options: deps.relay }),
  });
  const poller = createChangePoller({
    pool: deps.newPool,
    feed: deps.legacy.feed,
    reader: deps.legacy.reader,
    ownership: deps.ownership,
    logger: deps.logger,
    metrics,
    ...(deps.poller === undefined ? {} : { options: deps.poller }),
  });
  return {
    relay,
    poller,
    metrics,
    getSyncStatus: () => getSyncStatus(deps.newPool),
    start() {
      if (role !== 'poller') relay.start();
      if (role !== 'relay') poller.start();
    },
    async stop() {
      await Promise.all([relay.stop(), poller.stop()]);
    },
  };
}
