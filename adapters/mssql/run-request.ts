import type sql from 'mssql';

import { convertRows } from './result-values.ts';
import type { ResultColumn } from './result-values.ts';
import type { MssqlInput } from './typed-inputs.ts';

/** The part of an mssql Request this module uses (from `pool.request()` or `transaction.request()`). */
export interface MssqlRequest {
  input(name: string, type: sql.ISqlType, value: unknown): unknown;
  query(command: string): Promise<{
    readonly recordsets: unknown;
    readonly rowsAffected: readonly number[];
  }>;
}

export interface MssqlRequestResult {
  /** The rows of every result set, in adapters/schema.ts formats. */
  readonly rows: Record<string, unknown>[];
  readonly rowsAffected: number;
}

type Recordset = Record<string, unknown>[] & { readonly columns?: Record<string, ResultColumn> };

/** Runs one statement (sp_executesql with the typed inputs) and converts what comes back. */
export async function runRequest(
  request: MssqlRequest,
  command: string,
  inputs: readonly MssqlInput[],
): Promise<MssqlRequestResult> {
  for (const input of inputs) request.input(input.name, input.type, input.value);
  const result = await request.query(command);
  const recordsets = (Array.isArray(result.recordsets) ? result.recordsets : []) as Recordset[];
  return {
    rows: recordsets.flatMap((set) => convertRows(set, set.columns ?? {})),
    rowsAffected: result.rowsAffected.reduce((sum, n) => sum + n, 0),
  };
}
