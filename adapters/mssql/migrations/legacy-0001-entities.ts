import { readFileSync } from 'node:fs';

/*
 * The legacy dbo schema on SQL Server / Azure SQL, as the .NET application declares it: the statements
 * of legacy-0001-entities.sql, which is the create script of the ASP.NET app's EF Core model
 * (scripts/legacy-aspnet/Legacy.Api/Data/LegacyDbContext.cs, the one source of truth; regenerate with
 * `npm run legacy-aspnet:schema`). Used to build a test or development copy of the legacy database;
 * production's schema already exists and is never migrated by strangler. Collation is spelled out so a
 * case-sensitive server default cannot change how e-mails compare.
 */
const SCRIPT = readFileSync(new URL('./legacy-0001-entities.sql', import.meta.url), 'utf8');

/** One statement per batch: the script separates them with `GO` lines; `--` comment lines go. */
export const up: readonly string[] = SCRIPT.split(/^GO[ \t]*\r?$/m)
  .map((batch) =>
    batch
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .join('\n')
      .trim(),
  )
  .filter((statement) => statement !== '');

export const down: readonly string[] = [
  'DROP TABLE dbo.WellnessEntries',
  'DROP TABLE dbo.Athletes',
  'DROP TABLE dbo.Squads',
];
