import sql from 'mssql';

/*
 * mssql (through tedious) hands datetime2 and date columns over as JS Dates (millisecond precision, the
 * remaining 100 ns ticks in a non-enumerable `nanosecondsDelta`) and decimals as JS numbers.
 * adapters/schema.ts promises strings for all three, the same strings the PostgreSQL stand-in returns,
 * so rows are converted here using the recordset's column metadata (the row's Date alone cannot tell a
 * date from a datetime2 at midnight).
 */

/** The part of mssql's column metadata (`recordset.columns[name]`) this module reads. */
export interface ResultColumn {
  readonly type: unknown;
  readonly scale?: number | undefined;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function isoDate(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
}

/** 'YYYY-MM-DD HH:MM:SS.fffffff' (datetime2(7)), from tedious' Date + nanosecondsDelta (useUTC: true). */
export function datetime2FromDate(date: Date): string {
  const delta = (date as Date & { nanosecondsDelta?: number }).nanosecondsDelta ?? 0;
  // nanosecondsDelta is the sub-millisecond remainder in seconds (ticks % 10000 / 1e7): back to ticks.
  const ticks = Math.round(delta * 1e7);
  const fraction = pad(date.getUTCMilliseconds(), 3) + pad(ticks, 4);
  const time = `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`;
  return `${isoDate(date)} ${time}.${fraction}`;
}

export function convertResultValue(column: ResultColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case sql.DateTime2:
      return value instanceof Date ? datetime2FromDate(value) : value;
    case sql.Date:
      return value instanceof Date ? isoDate(value) : value;
    case sql.Decimal:
    case sql.Numeric:
      // decimal(3,1) and friends fit a double exactly enough that toFixed(scale) restores the stored text.
      return typeof value === 'number' ? value.toFixed(column.scale ?? 0) : value;
    default:
      return value;
  }
}

/** One recordset's rows in adapters/schema.ts formats. */
export function convertRows(
  rows: readonly Record<string, unknown>[],
  columns: Readonly<Record<string, ResultColumn>>,
): Record<string, unknown>[] {
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([name, value]) => {
        const column = columns[name];
        return [name, column === undefined ? value : convertResultValue(column, value)];
      }),
    ),
  );
}
