import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import { isConnectivityError } from './connectivity-error.ts';
import type { ApplyResult, LegacyWriter, SyncChange } from './sync-engine.ts';
import type { SyncOwnership } from './sync-entities.ts';

/** What legacy made of a batch: a result per change it took, and the error of each change it refused. */
export interface SentBatch {
  readonly results: readonly ApplyResult[];
  readonly failures: ReadonlyMap<string, unknown>;
}

/**
 * Sends a batch to legacy in one transaction. When that fails while legacy answers, one bad event must
 * not hold back the others: the changes go one by one to find it. Undefined when legacy is down, so the
 * caller leaves the whole batch in the outbox without counting an attempt against any event.
 */
export async function sendBatchToLegacy(
  writer: LegacyWriter,
  changes: readonly SyncChange[],
  ownership: SyncOwnership,
  logger: Logger,
): Promise<SentBatch | undefined> {
  try {
    return { results: await writer.applyBatch(changes, ownership), failures: new Map() };
  } catch (batchError: unknown) {
    if (isConnectivityError(batchError) || !(await answers(writer))) {
      logger.warn('sync relay: legacy database unavailable, backing off', errorDetails(batchError));
      return undefined;
    }
    return sendOneByOne(writer, changes, ownership);
  }
}

async function sendOneByOne(
  writer: LegacyWriter,
  changes: readonly SyncChange[],
  ownership: SyncOwnership,
): Promise<SentBatch | undefined> {
  const results: ApplyResult[] = [];
  const failures = new Map<string, unknown>();
  for (const change of changes) {
    try {
      results.push(...(await writer.applyBatch([change], ownership)));
    } catch (error: unknown) {
      if (isConnectivityError(error)) return undefined;
      failures.set(change.eventId, error);
    }
  }
  return { results, failures };
}

async function answers(writer: LegacyWriter): Promise<boolean> {
  try {
    await writer.ping();
    return true;
  } catch {
    return false;
  }
}
