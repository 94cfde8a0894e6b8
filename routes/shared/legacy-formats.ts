import { sql, type RawBuilder } from 'kysely';

/*
 * Value formats of the legacy API's JSON (System.Text.Json's defaults on ASP.NET Core), as the
 * new handlers must reproduce them from PostgreSQL values. Recorded legacy responses in
 * contract-tests/fixtures are the reference for every rule here.
 */

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * numeric(3,1) → a JSON number that keeps its scale (`3.0`, not `3`): .NET serialises the decimal it
 * read from decimal(3,1) with its scale, and JSON.stringify would drop it.
 */
export function scoreJson(numericText: string): unknown {
  if (!/^\d+\.\d$/.test(numericText)) throw new Error(`score "${numericText}" is not numeric(3,1) text`);
  return rawJson(numericText);
}

/** bigint (pg returns text) → a JSON number with every digit, never through a float. */
export function versionJson(bigintText: string): unknown {
  if (!/^\d+$/.test(bigintText)) throw new Error(`version "${bigintText}" is not bigint text`);
  return rawJson(bigintText);
}

/**
 * A timestamptz column as System.Text.Json writes the legacy's DateTime (read from datetime2, so no
 * offset): UTC, and the fraction without its trailing zeros, none at all on a whole second
 * (`2026-11-21T10:15:30.123`, `2026-11-21T10:15:30`). PostgreSQL keeps microseconds, so at most six
 * digits; formatted in SQL because a JS Date would drop three of them.
 */
export function utcTimestamp(column: string): RawBuilder<string> {
  return sql<string>`regexp_replace(to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '\\.?0+$', '')`;
}

/** A `date` (read as 'YYYY-MM-DD') as the legacy's DateTime at midnight. */
export function dateAsLegacyDateTime(dateText: string): string {
  return `${dateText.slice(0, 10)}T00:00:00`;
}

/**
 * Route values under the legacy's `{id:guid}` constraint: Guid.TryParse accepts the D, N, B and P
 * formats in any case. Anything else never reached a legacy action: it was an empty 404.
 */
export function routeGuid(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let hex = value.trim();
  if ((hex.startsWith('{') && hex.endsWith('}')) || (hex.startsWith('(') && hex.endsWith(')'))) {
    hex = hex.slice(1, -1);
    if (hex.length !== 36) return undefined;
  }
  if (hex.length === 36) {
    if (![8, 13, 18, 23].every((i) => hex[i] === '-')) return undefined;
    hex = hex.replaceAll('-', '');
  }
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
