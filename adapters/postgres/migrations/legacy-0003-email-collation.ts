import { emailKey } from './email-key.ts';

/** The stand-in's unique e-mail index compares as SQL Server's collation does (email-key.ts). */
export const up: readonly string[] = [
  `CREATE UNIQUE INDEX "UX_Athletes_EmailCollation" ON dbo."Athletes" (${emailKey('"Email"')})`,
  'DROP INDEX dbo."UX_Athletes_Email"',
  'ALTER INDEX dbo."UX_Athletes_EmailCollation" RENAME TO "UX_Athletes_Email"',
];

export const down: readonly string[] = [
  'DROP INDEX dbo."UX_Athletes_Email"',
  'CREATE UNIQUE INDEX "UX_Athletes_Email" ON dbo."Athletes" (lower("Email"))',
];
