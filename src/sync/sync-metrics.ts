import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

/**
 * The sync's metrics, registered on the registry the caller gives (createMetrics().registry
 * in the process), so src/observability/metrics.ts stays as it is.
 */
export function createSyncMetrics(registry: Registry) {
  const registers = [registry];
  return {
    outboxPending: new Gauge({
      name: 'strangler_sync_outbox_pending',
      help: 'Outbox events waiting to be applied to legacy',
      registers,
    }),
    oldestPendingSeconds: new Gauge({
      name: 'strangler_sync_oldest_pending_seconds',
      help: 'Age of the oldest outbox event not yet applied to legacy',
      registers,
    }),
    applied: new Counter({
      name: 'strangler_sync_applied_total',
      help: 'Changes handled by the sync, by outcome (applied, duplicate, unchanged, stale, conflict, failed)',
      labelNames: ['entity', 'direction', 'outcome'] as const,
      registers,
    }),
    lagSeconds: new Gauge({
      name: 'strangler_sync_lag_seconds',
      help: 'Time from a change being written on one side to it being applied on the other (last batch)',
      labelNames: ['direction'] as const,
      registers,
    }),
    deadLetters: new Gauge({
      name: 'strangler_sync_dead_letters',
      help: 'Events in the dead-letter table waiting for an operator',
      registers,
    }),
    conflicts: new Counter({
      name: 'strangler_sync_conflicts_total',
      help: 'Writes from the non-owning side that lost the version check (recorded in strangler.sync_conflicts)',
      labelNames: ['entity', 'direction'] as const,
      registers,
    }),
  };
}

export type SyncMetrics = ReturnType<typeof createSyncMetrics>;
