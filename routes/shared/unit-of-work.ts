import type { Kysely, Transaction } from 'kysely';

import type { NewDatabase } from '../../adapters/schema.ts';
import { asApplication, scopeToOrganisation } from './tenant-scope.ts';

/*
 * Every write of a new handler runs in one PostgreSQL transaction, scoped to its caller's organisation
 * (tenant-scope.ts), so that
 *  - shadow mode can run a write handler in dry-run: the same work, then a rollback;
 *  - the dual-write outbox can add its row to the same transaction through `onChange`.
 */

export interface EntityChange {
  readonly entity: 'athlete' | 'wellness_entry';
  readonly id: string;
  readonly operation: 'insert' | 'update';
  /** The row's version after the write (bigint as text). */
  readonly version: string;
}

/** Called inside the handler's transaction for each row it wrote; throwing rolls the write back. */
export type ChangeListener = (trx: Transaction<NewDatabase>, change: EntityChange) => Promise<void>;

export interface UnitOfWork {
  readonly trx: Transaction<NewDatabase>;
  /** Announces a written row to the change listener (the outbox), inside the transaction. */
  changed(change: EntityChange): Promise<void>;
}

export interface UnitOfWorkOptions {
  readonly dryRun: boolean;
  /** The caller's organisation, the only one the unit's queries see ('' sees none). */
  readonly organisationId: string;
  readonly onChange?: ChangeListener;
}

/** Thrown inside the transaction to make kysely roll it back; carries the result out. */
class DryRunRollback<T> extends Error {
  readonly result: T;
  constructor(result: T) {
    super('dry run: rolled back');
    this.result = result;
  }
}

export async function runUnitOfWork<T>(
  db: Kysely<NewDatabase>,
  options: UnitOfWorkOptions,
  work: (unit: UnitOfWork) => Promise<T>,
): Promise<T> {
  try {
    return await db.transaction().execute(async (trx) => {
      await scopeToOrganisation(trx, options.organisationId);
      const { onChange } = options;
      const unit: UnitOfWork = {
        trx,
        changed: async (change) => {
          if (onChange !== undefined)
            await asApplication(trx, options.organisationId, () => onChange(trx, change));
        },
      };
      const result = await work(unit);
      if (options.dryRun) throw new DryRunRollback(result);
      return result;
    });
  } catch (error: unknown) {
    if (error instanceof DryRunRollback) return error.result as T;
    throw error;
  }
}

/** PostgreSQL unique_violation (SQLSTATE 23505), optionally for one constraint or index. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint: name } = error as { code?: unknown; constraint?: unknown };
  return code === '23505' && (constraint === undefined || name === constraint);
}
