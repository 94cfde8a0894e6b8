import { readFileSync } from 'node:fs';

import { afterAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely } from 'kysely';

import { openLegacyDatabase } from '../../adapters/database.ts';
import { migrateLegacyToLatest } from '../../adapters/migrations.ts';
import type { LegacyDatabase } from '../../adapters/schema.ts';
import { createTestDatabase, type TestDatabase } from '../../src/testing/test-database.ts';
import { legacySchemaScript } from './legacy-aspnet.ts';
import { SCHEMA_FILE, schemaFileText } from './write-schema.ts';
import { dotnetForSuite } from './dotnet-suite.ts';

/*
 * One source of truth for the legacy schema, the EF Core model: the committed SQL Server script is what
 * the model generates now, and the PostgreSQL stand-in's tables have the columns the model declares
 * for PostgreSQL (so the app runs on them unchanged).
 */

const hasDotnet = dotnetForSuite('the legacy schema-script suite');
const describeWithDotnet = hasDotnet ? describe : describe.skip;

let database: TestDatabase | undefined;
let db: Kysely<LegacyDatabase> | undefined;

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describeWithDotnet('the legacy schema from the EF Core model', () => {
  it('is what adapters/mssql/migrations/legacy-0001-entities.sql holds (else: npm run legacy-aspnet:schema)', async () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(await schemaFileText());
  }, 120_000);

  it("matches the PostgreSQL stand-in's dbo columns: names, order, types, nullability", async () => {
    database = await createTestDatabase('schema_script');
    db = openLegacyDatabase(database.url, { poolMax: 1 });
    await migrateLegacyToLatest(db);
    const { rows } = await sql<{ table: string; column: string; type: string; notnull: boolean }>`
      SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
             a.attnotnull AS notnull
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'dbo' AND c.relname IN ('Organisations', 'Squads', 'Athletes', 'WellnessEntries')
        AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`.execute(db);
    const standIn = rows.map((r) => `${r.table}.${r.column} ${r.type}${r.notnull ? ' NOT NULL' : ''}`);
    expect(standIn).toHaveLength(4 + 6 + 11 + 12);
    expect(standIn).toEqual(npgsqlColumns(await legacySchemaScript('Npgsql')));
  }, 120_000);
});

/** `Table.Column type [NOT NULL]` for every column of the model's PostgreSQL script, in table order. */
function npgsqlColumns(script: string): string[] {
  const columns: string[] = [];
  for (const match of script.matchAll(/CREATE TABLE dbo\."(\w+)" \(\n([\s\S]*?)\n\);/g)) {
    for (const line of (match[2] ?? '').split('\n')) {
      const column = /^\s+"(\w+)" (.+?)( NOT NULL)?( DEFAULT .*)?,?$/.exec(line);
      if (column === null) continue;
      const type = (column[2] ?? '').replace(/^varchar\(/, 'character varying(');
      columns.push(`${match[1]}.${column[1]} ${type}${column[3] ?? ''}`);
    }
  }
  const tableOf = (column: string): string => column.slice(0, column.indexOf('.'));
  return columns.sort((a, b) => tableOf(a).localeCompare(tableOf(b)));
}
