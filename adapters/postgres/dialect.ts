import { PostgresDialect } from 'kysely';
import pg from 'pg';

import type { EngineCapabilities } from '../engine-capabilities.ts';
import { widenDatetime2 } from '../mappings/values.ts';
import { traceQueries } from '../../src/observability/pg-query-spans.ts';

/*
 * PostgreSQL through node-postgres. Value formats follow adapters/schema.ts: bigint, numeric, date and
 * timestamp-without-time-zone come back as strings, so nothing passes through a float or a local-time Date.
 * The parsers live on this pool's own `types` (pg's TypeOverrides), not on the global pg.types, so other
 * pools in the same process (tests, other subsystems) keep their own choices.
 */

/** PostgreSQL type OIDs (pg_type.oid), see src/include/catalog/pg_type.dat. */
const OID = { int8: 20, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184 } as const;

export const postgresCapabilities: EngineCapabilities = {
  engine: 'postgres',
  supportsReturning: true,
  supportsOutput: false,
  supportsOnConflict: true,
  supportsMerge: true,
  supportsTop: false,
  maxQueryParameters: 65535,
};

const defaultTimestamptzParser = pg.types.getTypeParser(OID.timestamptz) as (text: string) => Date;

/**
 * timestamptz → Date, as node-postgres does (adapters/schema.ts promises Dates), plus the microseconds a
 * Date cannot hold, in a non-enumerable `microsecondsDelta` (0..999, like tedious' nanosecondsDelta).
 * Mappings read it (adapters/mappings/values.ts), so a legacy datetime2 that went through PostgreSQL comes
 * back with all six digits PostgreSQL kept.
 */
export function parseTimestamptz(text: string): Date {
  const date = defaultTimestamptzParser(text);
  const fraction = /:\d{2}\.(\d{1,6})/.exec(text)?.[1];
  if (fraction !== undefined) {
    Object.defineProperty(date, 'microsecondsDelta', {
      value: Number(fraction.padEnd(6, '0')) % 1000,
      enumerable: false,
    });
  }
  return date;
}

export interface PostgresDialectOptions {
  /** Pool size; node-postgres' default is 10. */
  max?: number;
  applicationName?: string;
  /** statement_timeout on every connection, and the longest wait for a pooled connection (unset: none). */
  timeoutMs?: number;
  /**
   * The legacy stand-in keeps datetime2 as timestamp(6); read it as datetime2(7) text
   * ('YYYY-MM-DD HH:MM:SS.fffffff') like SQL Server returns it. Off for the new database.
   */
  timestampAsDatetime2?: boolean;
}

export function createPostgresPool(url: string, options: PostgresDialectOptions = {}): pg.Pool {
  const types = new pg.TypeOverrides();
  const asText = (value: string): string => value;
  types.setTypeParser(OID.int8, asText);
  types.setTypeParser(OID.numeric, asText);
  types.setTypeParser(OID.date, asText);
  // PostgreSQL prints timestamp(6) with trailing zeros dropped ('… 03:04:05.12'); never a local-time Date.
  types.setTypeParser(OID.timestamp, options.timestampAsDatetime2 === true ? widenDatetime2 : asText);
  types.setTypeParser(OID.timestamptz, parseTimestamptz);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    types,
    application_name: options.applicationName ?? 'strangler',
    ...(options.timeoutMs === undefined
      ? {}
      : { statement_timeout: options.timeoutMs, connectionTimeoutMillis: options.timeoutMs }),
  });
  // An idle client losing its connection (server restart, network) emits 'error' on the pool; without a
  // listener that would crash the process. The next query gets a fresh connection.
  pool.on('error', () => undefined);
  pool.on('connect', traceQueries);
  return pool;
}

export function createPostgresDialect(url: string, options: PostgresDialectOptions = {}): PostgresDialect {
  return new PostgresDialect({ pool: createPostgresPool(url, options) });
}
