import { describe, expect, it } from '@jest/globals';

import { compileTsql, createTsqlCompiler } from '../../adapters/mssql/compile-tsql.ts';
import { assertTsqlSyntax } from '../../adapters/mssql/tsql-syntax.ts';
import { generateDemoData } from './demo-data.ts';
import { legacyInsertBatches, legacySquadProbe } from './seed.ts';

/** The seed's legacy queries as SQL Server receives them (Azure SQL cannot run here). */
describe('seed queries on SQL Server', () => {
  const db = createTsqlCompiler();
  const data = generateDemoData({ today: '2026-11-21' });

  it('probes for existing data with TOP (1), valid T-SQL', () => {
    const probe = compileTsql(legacySquadProbe(db));
    expect(probe.sql).toMatchSnapshot();
    assertTsqlSyntax(probe.sql);
  });

  it('inserts in batches that stay under the 2100-parameter limit and parse as T-SQL', () => {
    const batches = legacyInsertBatches(db, data).map((q) => compileTsql(q));
    const rows =
      data.organisations.length + data.squads.length + data.athletes.length + data.wellnessEntries.length;
    const columns = (sql: string): number => (sql.slice(0, sql.indexOf(')')).match(/,/g)?.length ?? 0) + 1;
    expect(batches.reduce((n, b) => n + b.parameters.length / columns(b.sql), 0)).toBe(rows);
    expect(Math.max(...batches.map((b) => b.parameters.length))).toBeLessThan(2100);
    // Batches of one table differ only in their row count: parse the first of each (the parser is slow).
    const firstPerTable = new Map(
      batches.map((b) => [b.sql.slice(0, b.sql.indexOf('(')), b] as const).reverse(),
    );
    expect(firstPerTable.size).toBe(4);
    for (const b of firstPerTable.values()) assertTsqlSyntax(b.sql);
  });

  it('matches the reviewed INSERT statement per table (shown for two rows)', () => {
    const small = {
      organisations: data.organisations.slice(0, 2),
      squads: data.squads.slice(0, 2),
      athletes: data.athletes.slice(0, 2),
      wellnessEntries: data.wellnessEntries.slice(0, 2),
    };
    expect(legacyInsertBatches(db, small).map((q) => compileTsql(q).sql)).toMatchSnapshot();
  });
});
