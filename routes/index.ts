import type { Kysely } from 'kysely';

import type { NewDatabase } from '../adapters/schema.ts';
import type { RouteRecord } from '../src/routing/route.ts';
import { createAthleteRoutes } from './athletes/athlete-routes.ts';
import { createTenantDatabase } from './shared/tenant-database.ts';
import type { ChangeListener } from './shared/unit-of-work.ts';
import { createSquadRoutes } from './squads/squad-routes.ts';
import { createWellnessRoutes } from './wellness/wellness-routes.ts';

export type { ChangeListener, EntityChange } from './shared/unit-of-work.ts';

export interface RoutesDeps {
  readonly db: Kysely<NewDatabase>;
  /** Runs inside every write's transaction (the dual-write outbox). */
  readonly onChange?: ChangeListener;
}

/**
 * Every migrated route of the athlete API. The handlers reach the database only through transactions
 * scoped to their caller's organisation (shared/tenant-database.ts). The availability report
 * (`GET /api/reports/availability`) is deliberately absent: it stays on legacy through the proxy's
 * catch-all.
 */
export function createRoutes(deps: RoutesDeps): RouteRecord[] {
  const data = createTenantDatabase(deps.db, deps.onChange);
  return [...createSquadRoutes(data), ...createAthleteRoutes(data), ...createWellnessRoutes(data)];
}
