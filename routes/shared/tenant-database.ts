import type { Kysely, Transaction } from 'kysely';

import type { NewDatabase } from '../../adapters/schema.ts';
import type { HandlerRequest } from '../../src/handlers/new-handler.ts';
import { organisationOf, scopeToOrganisation } from './tenant-scope.ts';
import { runUnitOfWork, type ChangeListener, type UnitOfWork } from './unit-of-work.ts';

/** A transaction scoped to one caller's organisation: the only way handlers query. */
export type TenantTransaction = Transaction<NewDatabase>;

/**
 * The new database as the handlers reach it: never the pool itself, only transactions scoped to the
 * request's caller, so no handler can run a query that sees another organisation's rows.
 */
export interface TenantDatabase {
  /** `work`'s queries in one read-only transaction, as the caller. */
  read<T>(
    request: Pick<HandlerRequest, 'principal'>,
    work: (trx: TenantTransaction) => Promise<T>,
  ): Promise<T>;
  /** `work` as one unit of work, as the caller: rolled back on a dry run, joined by the outbox. */
  write<T>(
    request: Pick<HandlerRequest, 'principal' | 'dryRun'>,
    work: (unit: UnitOfWork) => Promise<T>,
  ): Promise<T>;
}

/** `onChange` runs inside every write's transaction (the dual-write outbox). */
export function createTenantDatabase(db: Kysely<NewDatabase>, onChange?: ChangeListener): TenantDatabase {
  return {
    read: (request, work) =>
      db
        .transaction()
        .setAccessMode('read only')
        .execute(async (trx) => {
          await scopeToOrganisation(trx, organisationOf(request));
          return work(trx);
        }),
    write: (request, work) =>
      runUnitOfWork(
        db,
        {
          dryRun: request.dryRun,
          organisationId: organisationOf(request),
          ...(onChange === undefined ? {} : { onChange }),
        },
        work,
      ),
  };
}
