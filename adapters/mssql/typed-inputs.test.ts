import { describe, expect, it } from '@jest/globals';
import sql from 'mssql';

import { syncEntity } from '../../src/sync/sync-entities.ts';
import { compileTsql, createTsqlCompiler } from './compile-tsql.ts';
import { runRequest } from './run-request.ts';
import { mergeStatements } from './sync-write-tsql.ts';
import { compiledQueryInputs, statementInputs } from './typed-inputs.ts';
import type { MssqlInput } from './typed-inputs.ts';

/** The parameters a real mssql Request records for the inputs (what it hands tedious), no server needed. */
async function declared(inputs: readonly MssqlInput[]): Promise<unknown[]> {
  const request = new sql.Request();
  await runRequest(
    {
      input: (name, type, value) => request.input(name, type, value),
      query: async () => ({ recordsets: [], rowsAffected: [] }),
    },
    'select 1',
    inputs,
  );
  const parameters = (request as unknown as { parameters: Record<string, Record<string, unknown>> })
    .parameters;
  return Object.values(parameters).map((p) => {
    const { name, type, length, scale, value } = p;
    return { name, type: (type as { name: string }).name, length, scale, value };
  });
}

describe('typed inputs', () => {
  it('gives every sync parameter the exact SQL type, length and scale its builder chose', async () => {
    const [statement] = mergeStatements(
      syncEntity('wellness_entries'),
      [
        {
          id: '22222222-2222-4222-8222-222222222222',
          athlete_id: '00000000-0000-4000-8000-000000000001',
          entry_date: '2026-03-04',
          sleep: '4',
          soreness: '2',
          fatigue: '3',
          stress: '1',
          mood: '5',
          score: '3.5',
          notes: 'Zoë',
          created_at: '2026-03-04T05:06:07.890123Z',
          version: '1',
        },
      ],
      true,
    );
    const inputs = await declared(statementInputs(statement?.params ?? []));
    const byType = new Map(inputs.map((i) => [(i as { type: string }).type, i]));
    expect([...byType.keys()].sort()).toEqual(
      ['BigInt', 'Bit', 'Date', 'DateTime2', 'NVarChar', 'TinyInt', 'UniqueIdentifier', 'VarChar'].sort(),
    );
    expect(inputs[0]).toEqual({
      name: 'ownerWins',
      type: 'Bit',
      length: undefined,
      scale: undefined,
      value: true,
    });
    expect(byType.get('VarChar')).toMatchObject({ length: 40, value: '3.5' });
    expect(byType.get('NVarChar')).toMatchObject({ length: 500, value: 'Zoë' });
    const datetime2 = byType.get('DateTime2') as { scale: number; value: Date & { nanosecondDelta: number } };
    expect(datetime2.scale).toBe(7);
    // The 123 µs past the millisecond ride on the Date to tedious (nanosecondDelta, in seconds).
    expect(datetime2.value.toISOString()).toBe('2026-03-04T05:06:07.890Z');
    expect(datetime2.value.nanosecondDelta).toBeCloseTo(0.000123, 12);
  });

  it('types a kysely-compiled query’s parameters @1, @2, … as kysely’s driver did, but a Date as datetime2(7)', async () => {
    const db = createTsqlCompiler();
    const at = new Date('2026-01-02T03:04:05.123Z');
    const query = compileTsql(
      db
        .updateTable('dbo.Athletes')
        .set({ FirstName: 'Zoë', IsActive: true, UpdatedAt: at as unknown as string, Version: '9' })
        .where('Version', '<', 3_000_000_000 as unknown as string)
        .where('Position', 'is', null),
    );
    expect(query.sql).toContain('@1');
    expect(await declared(compiledQueryInputs(query.parameters))).toEqual([
      { name: '1', type: 'NVarChar', length: undefined, scale: undefined, value: 'Zoë' },
      { name: '2', type: 'Bit', length: undefined, scale: undefined, value: true },
      { name: '3', type: 'DateTime2', length: undefined, scale: 7, value: at },
      { name: '4', type: 'NVarChar', length: undefined, scale: undefined, value: '9' },
      { name: '5', type: 'BigInt', length: undefined, scale: undefined, value: 3_000_000_000 },
    ]);
    expect(compiledQueryInputs([7, 1.5, null, Buffer.from('x')]).map((i) => i.type.type)).toEqual([
      sql.Int,
      sql.Float,
      sql.NVarChar,
      sql.VarBinary,
    ]);
  });
});
