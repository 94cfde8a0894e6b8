import { sql, type Transaction } from 'kysely';

import { TENANT_ROLE, TENANT_SETTING } from '../../adapters/postgres/migrations/new-0002-tenant-isolation.ts';
import type { NewDatabase } from '../../adapters/schema.ts';
import type { HandlerRequest } from '../../src/handlers/new-handler.ts';

/*
 * The new database's row-level security (adapters/postgres/migrations/new-0002-tenant-isolation.ts)
 * applies to the tenant role only, so a handler's transaction switches to it, with its caller's
 * organisation, before its first query. Both settings are transaction-local: a pooled connection goes
 * back to the pool as the application's login again.
 */

/**
 * The organisation a request's queries are scoped to. A caller without one (a route reached without a
 * verified principal) gets '', which no row has: the policies then show nothing, so the handler answers
 * as legacy does for rows that do not exist instead of seeing every organisation's.
 */
export function organisationOf(request: Pick<HandlerRequest, 'principal'>): string {
  return request.principal?.organisationId ?? '';
}

export async function scopeToOrganisation(
  trx: Transaction<NewDatabase>,
  organisationId: string,
): Promise<void> {
  await sql`SELECT set_config('role', ${TENANT_ROLE}, true), set_config(${TENANT_SETTING}, ${organisationId}, true)`.execute(
    trx,
  );
}

/**
 * Runs `work` as the application's own login inside a scoped transaction, then scopes it again: the
 * dual-write outbox is the application's table, not a tenant's, and must see the written row's event
 * whatever organisation wrote it.
 */
export async function asApplication<T>(
  trx: Transaction<NewDatabase>,
  organisationId: string,
  work: () => Promise<T>,
): Promise<T> {
  await sql`SELECT set_config('role', 'none', true)`.execute(trx);
  const result = await work();
  await scopeToOrganisation(trx, organisationId);
  return result;
}
