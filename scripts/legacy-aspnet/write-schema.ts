/*
 * Writes the SQL Server DDL of the legacy tables from the ASP.NET app's EF Core model (the schema's one
 * source of truth) into adapters/mssql/migrations/legacy-0001-entities.sql:
 *
 *   npm run legacy-aspnet:schema
 *
 * Needs the .NET SDK. scripts/legacy-aspnet/schema-script.test.ts fails until the file is rewritten
 * after a change to the model.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { cliOptions } from '../cli-args.ts';
import { legacySchemaScript } from './legacy-aspnet.ts';

export const SCHEMA_FILE = fileURLToPath(
  new URL('../../adapters/mssql/migrations/legacy-0001-entities.sql', import.meta.url),
);

export const SCHEMA_HEADER =
  '-- Generated from scripts/legacy-aspnet/Legacy.Api/Data/LegacyDbContext.cs by `npm run legacy-aspnet:schema`;\n' +
  '-- edit the model, not this file.\n';

export async function schemaFileText(): Promise<string> {
  return `${SCHEMA_HEADER}${(await legacySchemaScript('SqlServer')).trim()}\n`;
}

const USAGE = `usage: npm run legacy-aspnet:schema
  Writes the SQL Server create script of the ASP.NET legacy app's EF Core model to
  adapters/mssql/migrations/legacy-0001-entities.sql (needs dotnet).`;

if (import.meta.url === `file://${process.argv[1]}`) {
  cliOptions({}, USAGE);
  schemaFileText()
    .then((text) => {
      writeFileSync(SCHEMA_FILE, text);
      console.log(`wrote ${SCHEMA_FILE}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
