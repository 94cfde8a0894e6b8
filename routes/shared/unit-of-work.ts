import type { Kysely, Transaction } from 'kysely';

import type { NewDatabase } from '../../adapters/schema.ts';
import type { HandlerRequest } from '../../src/handlers/new-handler.ts';

/*
 * Every write of a new handler runs in one PostgreSQL transaction, so that
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
  readonly onChange?: ChangeListener;
}

/** What a handler's request asks of its unit: a dry run in shadow mode, joined by the outbox when there is one. */
export function unitOptionsFor(
  request: Pick<HandlerRequest, 'dryRun'>,
  onChange?: ChangeListener,
): UnitOfWorkOptions {
  return { dryRun: request.dryRun, ...(onChange === undefined ? {} : { onChange }) };
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
      const unit: UnitOfWork = {
        trx,
        changed: async (change) => {
          if (options.onChange !== undefined) await options.onChange(trx, change);
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
