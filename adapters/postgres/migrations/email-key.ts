import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';

/*
 * E-mail equality as legacy's column sees it: nvarchar under SQL_Latin1_General_CP1_CI_AS, where two
 * e-mails are one when they differ only in letter case (any script PostgreSQL's lower() folds, not only
 * ASCII) or in trailing spaces (ANSI padding: U+0020 only, not tabs or other blanks). Accents still
 * count, as in "AS". Not mirrored: the collation's width and kana insensitivity (a full-width 'Ａ' equals
 * 'A' there) and its expansions ('ß' and 'ss'); e-mails that differ only so coexist here and are
 * refused on Azure SQL. See docs/sync.md.
 */
const OPEN = 'lower(rtrim(';
const CLOSE = ", ' '))";

/** The key of an e-mail column, for an index or a query. */
export function emailKey(column: string): string {
  return `${OPEN}${column}${CLOSE}`;
}

/** The key of an e-mail value, as a bound parameter. */
export function emailKeyOf(value: string): RawBuilder<string> {
  return sql<string>`${sql.raw(OPEN)}${value}${sql.raw(CLOSE)}`;
}
