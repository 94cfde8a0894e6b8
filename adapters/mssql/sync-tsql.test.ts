import { describe, expect, it } from '@jest/globals';

import type { CanonicalRow } from '../../src/sync/canonical-row.ts';
import type { SyncChange } from '../../src/sync/sync-engine.ts';
import { syncEntity } from '../../src/sync/sync-entities.ts';
import { changesStatement, versionsStatement } from './sync-change-feed.ts';
import { estimateRowsStatement, rangeStatement, scanStatement } from './sync-legacy-reader.ts';
import {
  appliedEventsStatements,
  bumpVersionStatement,
  pruneAppliedStatement,
  keepOutcomeStatements,
  keptOutcomesStatements,
  deleteStatements,
  mergeStatements,
  lockRowsStatements,
  selectByKeysStatements,
} from './sync-write-tsql.ts';
import { SYNC_MIGRATIONS_MSSQL } from './sync-migrations.ts';
import { MAX_PARAMETERS } from './sync-session.ts';
import type { MssqlStatement } from './sync-session.ts';
import { isParseableTsql } from './tsql-syntax.ts';

/*
 * Every T-SQL statement the sync sends to SQL Server, snapshot-tested with its typed parameters (SQL
 * Server cannot run here). Statements the test-only parser understands are also syntax-checked; MERGE,
 * CHANGETABLE, OUTPUT and WITH CHANGE_TRACKING_CONTEXT are beyond it (adapters/mssql/tsql-syntax.ts) and are
 * covered by their snapshots only.
 */
const athletes = syncEntity('athletes');
const wellness = syncEntity('wellness_entries');

const athleteRow = (n: number): CanonicalRow => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  squad_id: '11111111-1111-4111-8111-111111111111',
  first_name: 'Zoë',
  last_name: "O'Brien",
  email: `zoe${n}@example.test`,
  date_of_birth: '2001-02-03',
  position: null,
  is_active: 'true',
  created_at: '2026-01-02T03:04:05.123456Z',
  updated_at: '2026-01-02T03:04:05.000001Z',
  version: '7',
});

const wellnessRow: CanonicalRow = {
  id: '22222222-2222-4222-8222-222222222222',
  athlete_id: '00000000-0000-4000-8000-000000000001',
  entry_date: '2026-03-04',
  sleep: '4',
  soreness: '2',
  fatigue: '3',
  stress: '1',
  mood: '5',
  score: '3.5',
  notes: null,
  created_at: '2026-03-04T05:06:07.890123Z',
  version: '1',
};

/** Dates as ISO text plus tedious' nanosecondDelta, so the snapshot shows exactly what is sent. */
function printable(statement: MssqlStatement): unknown {
  return {
    sql: statement.sql,
    params: statement.params.map((p) => ({
      ...p,
      value:
        p.value instanceof Date
          ? {
              iso: p.value.toISOString(),
              nanosecondDelta: (p.value as Date & { nanosecondDelta?: number }).nanosecondDelta,
            }
          : p.value,
    })),
  };
}

const change = (n: number): SyncChange => ({
  eventId: `33333333-3333-4333-8333-${String(n).padStart(12, '0')}`,
  entity: 'athletes',
  key: athleteRow(n).id ?? '',
  operation: 'upsert',
  version: '7',
  row: athleteRow(n),
});

describe('sync T-SQL (SQL Server)', () => {
  it('records applied event ids and returns only the new ones', () => {
    const [statement] = appliedEventsStatements([change(1), change(2)]);
    expect(printable(statement as MssqlStatement)).toMatchSnapshot();
    // The OUTPUT clause is beyond the test parser; without it the statement must parse.
    expect(isParseableTsql((statement as MssqlStatement).sql.replace(/OUTPUT .*? AS \[id\] /, ''))).toBe(
      true,
    );
  });

  it('upserts athletes with MERGE WITH (HOLDLOCK) under the sync context, with explicit parameter types', () => {
    const [statement] = mergeStatements(athletes, [athleteRow(1), athleteRow(2)], false);
    expect(printable(statement as MssqlStatement)).toMatchSnapshot();
    const types = Object.fromEntries(
      (statement as MssqlStatement).params.filter((p) => p.name.startsWith('p0_')).map((p) => [p.name, p]),
    );
    // datetime2(7), not datetime; microseconds carried in nanosecondDelta; nvarchar lengths of the columns.
    expect(types.p0_8).toMatchObject({ type: 'DateTime2', scale: 7 });
    expect((types.p0_8?.value as Date & { nanosecondDelta: number }).nanosecondDelta).toBeCloseTo(
      0.000456,
      9,
    );
    expect(types.p0_4).toMatchObject({ type: 'NVarChar', length: 256 });
    expect(types.p0_2).toMatchObject({ type: 'NVarChar', length: 100, value: 'Zoë' });
    expect(types.p0_7).toMatchObject({ type: 'Bit', value: true });
  });

  it('sends decimals as text cast in SQL and tinyint scores as TinyInt', () => {
    const [statement] = mergeStatements(wellness, [wellnessRow], true);
    expect(printable(statement as MssqlStatement)).toMatchSnapshot();
    expect((statement as MssqlStatement).sql).toContain('CAST(@p0_8 AS decimal(3, 1))');
    expect((statement as MssqlStatement).params.find((p) => p.name === 'p0_8')).toEqual({
      name: 'p0_8',
      type: 'VarChar',
      value: '3.5',
      length: 40,
    });
    expect((statement as MssqlStatement).params.find((p) => p.name === 'p0_3')).toMatchObject({
      type: 'TinyInt',
      value: 4,
    });
  });

  it('splits large batches so no statement exceeds 2,100 parameters and every row is sent once', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => athleteRow(i));
    const merges = mergeStatements(athletes, rows, false);
    const applied = appliedEventsStatements(Array.from({ length: 1000 }, (_, i) => change(i)));
    const deletes = deleteStatements(
      athletes,
      rows.map((r) => ({ key: r.id ?? '', version: '1' })),
    );
    const selects = selectByKeysStatements(
      athletes,
      rows.map((r) => r.id ?? ''),
    );
    for (const statement of [...merges, ...applied, ...deletes, ...selects]) {
      expect(statement.params.length).toBeLessThanOrEqual(MAX_PARAMETERS);
    }
    expect(merges.length).toBeGreaterThan(1);
    const sent = merges.flatMap((m) => m.params.filter((p) => /^p\d+_0$/.test(p.name)).map((p) => p.value));
    expect(new Set(sent).size).toBe(1000);
  });

  it('deletes only rows not newer than the deleted version', () => {
    const [statement] = deleteStatements(athletes, [{ key: athleteRow(1).id ?? '', version: '3' }]);
    expect(printable(statement as MssqlStatement)).toMatchSnapshot();
  });

  it('reads rows by key, by keyset page and by bucket range in canonical text', () => {
    const statements = [
      ...selectByKeysStatements(athletes, [athleteRow(1).id ?? '']),
      scanStatement(athletes, null, 10_000),
      scanStatement(athletes, athleteRow(1).id ?? '', 10_000),
      rangeStatement(
        athletes,
        '0a000000-0000-0000-0000-000000000000',
        '0a100000-0000-0000-0000-000000000000',
      ),
      rangeStatement(athletes, 'fff00000-0000-0000-0000-000000000000', null),
    ];
    expect(statements.map(printable)).toMatchSnapshot();
    for (const statement of statements) expect(isParseableTsql(statement.sql)).toBe(true);
  });

  it("estimates a table's rows from sys.partitions, without scanning it", () => {
    const statement = estimateRowsStatement(athletes);
    expect(statement.sql).toMatch(/FROM sys\.partitions AS p WHERE p\.object_id = OBJECT_ID\(@table\)/);
    expect(statement.params).toEqual([
      { name: 'table', type: 'NVarChar', value: 'dbo.[Athletes]', length: 300 },
    ]);
    expect(isParseableTsql(statement.sql)).toBe(true);
  });

  it('reads the legacy rows to be written under UPDLOCK, HOLDLOCK before the merge decides', () => {
    const statements = lockRowsStatements(athletes, [athleteRow(1).id ?? '', athleteRow(2).id ?? '']);
    expect(statements.map(printable)).toMatchSnapshot();
    for (const statement of statements) {
      expect(statement.sql).toMatch(
        /FROM dbo\.\[Athletes\] AS t WITH \(UPDLOCK, HOLDLOCK\) WHERE t\.\[AthleteId\] IN \(@k0, @k1\)$/,
      );
      expect(isParseableTsql(statement.sql)).toBe(true);
    }
  });

  it('never inserts a key whose latest Change Tracking record is a delete', () => {
    const [statement] = mergeStatements(athletes, [athleteRow(1)], true);
    expect(statement?.sql).toContain(
      `USING (SELECT * FROM (VALUES (@p0_0, @p0_1, @p0_2, @p0_3, @p0_4, @p0_5, @p0_6, @p0_7, @p0_8, @p0_9, @p0_10)) AS v (`,
    );
    expect(statement?.sql).toContain(
      `WHERE NOT EXISTS (SELECT 1 FROM CHANGETABLE(CHANGES dbo.[Athletes], @allChanges) AS ct ` +
        `WHERE ct.[AthleteId] = v.[AthleteId] AND ct.SYS_CHANGE_OPERATION = N'D')) AS s (`,
    );
    expect(statement?.params.find((p) => p.name === 'allChanges')).toEqual({
      name: 'allChanges',
      type: 'BigInt',
      value: null,
    });
  });

  it("keeps a lost write's outcome on its applied-events record, and reads it back for a redelivered event", () => {
    const keep = keepOutcomeStatements([
      { eventId: '5b0a3f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b', outcome: 'conflict', detail: '{"current":null}' },
    ]);
    expect(keep.map(printable)).toMatchSnapshot();
    for (const statement of keep) expect(isParseableTsql(statement.sql)).toBe(true);
    const read = keptOutcomesStatements([
      '5b0a3f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      '6c1b4a1f-2d3e-4f5a-9b0c-1d2e3f4a5b6c',
    ]);
    expect(read.map(printable)).toMatchSnapshot();
    for (const statement of read) expect(isParseableTsql(statement.sql)).toBe(true);
  });

  it('deletes applied-event records past retention in bounded batches, the cut-off as datetime2(7)', () => {
    const statement = pruneAppliedStatement(new Date('2026-10-23T10:00:00.000Z'), 5000);
    expect(printable(statement)).toMatchSnapshot();
    // The parser knows DELETE TOP but not @@ROWCOUNT: the SELECT after it is covered by the snapshot.
    const [deleteStatement = ''] = statement.sql.split('; SELECT @@ROWCOUNT');
    expect(isParseableTsql(deleteStatement)).toBe(true);
  });

  it('raises a version for a repair under its own change-tracking context', () => {
    expect(
      printable(bumpVersionStatement(athletes, athleteRow(1).id ?? '', '9', 'repair')),
    ).toMatchSnapshot();
  });

  it('reads Change Tracking versions and net changes without the sync context', () => {
    expect(printable(versionsStatement())).toMatchSnapshot();
    expect(isParseableTsql(versionsStatement().sql)).toBe(true);
    const changes = changesStatement(athletes, '41', '57');
    expect(printable(changes)).toMatchSnapshot();
    expect(changes.sql).toContain('ct.SYS_CHANGE_CONTEXT <> 0x73796E63');
  });

  it('creates the applied-events table idempotently', () => {
    expect(SYNC_MIGRATIONS_MSSQL).toMatchSnapshot();
  });
});
