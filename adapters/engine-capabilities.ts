/**
 * What differs between the engines, as capabilities callers check (kysely's adapter style) instead of
 * `if (engine === 'mssql')` scattered through the code.
 */
export type EngineName = 'postgres' | 'mssql';

export interface EngineCapabilities {
  readonly engine: EngineName;
  /** `INSERT/UPDATE/DELETE ... RETURNING` (PostgreSQL). */
  readonly supportsReturning: boolean;
  /** `OUTPUT inserted.*` (SQL Server). */
  readonly supportsOutput: boolean;
  /** `INSERT ... ON CONFLICT` upserts (PostgreSQL). */
  readonly supportsOnConflict: boolean;
  /** `MERGE` statements (SQL Server; PostgreSQL 15+). */
  readonly supportsMerge: boolean;
  /** First-n rows as `SELECT TOP (n)` (SQL Server has no LIMIT; kysely's .limit() would emit invalid T-SQL). */
  readonly supportsTop: boolean;
  /** Bound parameters one statement may carry (SQL Server: 2100; PostgreSQL's protocol: 65535). */
  readonly maxQueryParameters: number;
}
