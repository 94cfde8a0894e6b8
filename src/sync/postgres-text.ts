import type { CanonicalRow } from './canonical-row.ts';

/*
 * U+0000 is the one character PostgreSQL cannot hold in `text` (SQLSTATE 22021) or in a `jsonb` string
 * (22P05), while SQL Server's nvarchar stores it. A legacy row carrying one is never altered to fit:
 * it is refused, and recorded where people look (see docs/sync.md).
 */
const NUL = '\u0000';

/** The columns of a row whose values hold U+0000. */
export function nulColumns(row: CanonicalRow | null): string[] {
  if (row === null) return [];
  return Object.entries(row)
    .filter(([, value]) => value?.includes(NUL) === true)
    .map(([column]) => column);
}

/** Why a row with U+0000 is not applied to PostgreSQL, naming its columns. */
export function nulRejection(columns: readonly string[]): string {
  return (
    `the row holds U+0000 (NUL) in ${columns.join(', ')}, which PostgreSQL text cannot store: ` +
    'not applied (fix the value on legacy; it is recorded here with the NUL written as \\u0000)'
  );
}

/**
 * A row as JSON that jsonb accepts, for audit and conflict records: a U+0000 is written as the six
 * characters `\u0000`, which the record's error says it stands for.
 */
export function rowAsJsonb(row: CanonicalRow | null | undefined): string | null {
  if (row === null || row === undefined) return null;
  return JSON.stringify(row, (_key, value: unknown) =>
    typeof value === 'string' ? value.replaceAll(NUL, '\\u0000') : value,
  );
}
