import type { CanonicalValue } from '../../src/sync/canonical-row.ts';
import type { SyncColumn } from '../../src/sync/sync-entities.ts';

/**
 * The statements the sync sends to SQL Server, as T-SQL text plus explicitly typed parameters:
 * mssql otherwise guesses a type from the JS value (a Date becomes `datetime` with its 1/300 s
 * rounding, every string nvarchar(4000)). Builders return these; a session runs them as typed inputs
 * (typed-inputs.ts).
 */
export type MssqlParamType =
  'UniqueIdentifier' | 'NVarChar' | 'VarChar' | 'DateTime2' | 'Date' | 'Bit' | 'TinyInt' | 'Int' | 'BigInt';

export interface MssqlParam {
  readonly name: string;
  readonly type: MssqlParamType;
  readonly value: unknown;
  readonly length?: number;
  readonly scale?: number;
}

export interface MssqlStatement {
  readonly sql: string;
  readonly params: readonly MssqlParam[];
}

/** One open transaction on SQL Server. */
export interface MssqlSession {
  execute(statement: MssqlStatement): Promise<Record<string, unknown>[]>;
}

export type MssqlIsolation = 'READ COMMITTED' | 'SNAPSHOT';

/** Opens a connection from the pool, runs `work` in one transaction, commits (or rolls back and throws). */
export interface MssqlConnector {
  transaction<T>(isolation: MssqlIsolation, work: (session: MssqlSession) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
}

/** SQL Server refuses a request with more than 2,100 parameters; keep a margin for fixed ones. */
export const MAX_PARAMETERS = 2100;
export const PARAMETER_MARGIN = 10;

export function rowsPerStatement(paramsPerRow: number): number {
  return Math.max(1, Math.floor((MAX_PARAMETERS - PARAMETER_MARGIN) / paramsPerRow));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `dbo.[Table]`, `[Column]`: bracket-quoted identifiers. */
export const bracket = (name: string): string => `[${name.replaceAll(']', ']]')}]`;

/**
 * The parameter for one canonical value of a legacy column, and the SQL expression that reads it:
 *  - datetime2(7): a DateTime2 parameter (scale 7) whose Date carries the sub-millisecond part in
 *    tedious' `nanosecondDelta` (seconds), so microseconds survive;
 *  - decimal: sent as VarChar text and CAST in SQL, never through a JS number;
 *  - nvarchar: NVarChar with the column's length (a VarChar parameter against an nvarchar column would
 *    lose characters outside the code page; a longer one would change the plan cache key).
 */
export function columnParam(
  column: SyncColumn,
  name: string,
  value: CanonicalValue,
): { param: MssqlParam; expr: string } {
  const at = `@${name}`;
  switch (column.kind) {
    case 'uuid':
      return { param: { name, type: 'UniqueIdentifier', value }, expr: at };
    case 'text':
      return { param: { name, type: 'NVarChar', value, length: column.maxLength ?? 4000 }, expr: at };
    case 'date':
      return {
        param: { name, type: 'Date', value: value === null ? null : new Date(`${value}T00:00:00Z`) },
        expr: at,
      };
    case 'datetime':
      return {
        param: { name, type: 'DateTime2', value: value === null ? null : datetime2Value(value), scale: 7 },
        expr: at,
      };
    case 'boolean':
      return { param: { name, type: 'Bit', value: value === null ? null : value === 'true' }, expr: at };
    case 'smallint':
      return { param: { name, type: 'TinyInt', value: value === null ? null : Number(value) }, expr: at };
    case 'bigint':
      return { param: { name, type: 'BigInt', value }, expr: at };
    case 'decimal':
      return {
        param: { name, type: 'VarChar', value, length: 40 },
        expr: `CAST(${at} AS decimal(${column.precision ?? 18}, ${column.scale ?? 0}))`,
      };
  }
}

/** A canonical `YYYY-MM-DDTHH:MM:SS.ffffffZ` as a Date plus tedious' nanosecondDelta. */
export function datetime2Value(canonical: string): Date {
  const date = new Date(`${canonical.slice(0, 23)}Z`);
  const micros = Number(canonical.slice(23, 26));
  return Object.assign(date, { nanosecondDelta: micros / 1_000_000 });
}

/** Canonical text of a legacy column in a SELECT list (the JS normaliser finishes the job). */
export function canonicalReadExpr(column: SyncColumn, ref: string): string {
  switch (column.kind) {
    case 'uuid':
      return `LOWER(CONVERT(char(36), ${ref}))`;
    case 'text':
      return ref;
    case 'date':
      return `CONVERT(char(10), ${ref}, 23)`;
    case 'datetime':
      // Style 121 always prints all seven fractional digits of a datetime2(7).
      return `CONVERT(char(27), ${ref}, 121)`;
    case 'boolean':
    case 'smallint':
    case 'bigint':
    case 'decimal':
      return `CONVERT(varchar(40), ${ref})`;
  }
}
