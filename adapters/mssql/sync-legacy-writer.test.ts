import { describe, expect, it } from '@jest/globals';

import type { CanonicalRow } from '../../src/sync/canonical-row.ts';
import type { SyncChange } from '../../src/sync/sync-engine.ts';
import { createMssqlLegacyWriter } from './sync-legacy-writer.ts';
import type { MssqlConnector, MssqlSession, MssqlStatement } from './sync-session.ts';

/*
 * applyBatch against a scripted SQL Server (none runs here): the fake answers each statement from what
 * the scenario says legacy holds, and records what was sent, so the batch's order of statements and the
 * results it assembles are both pinned.
 */
const uuid = (prefix: string, n: number): string => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;

const athlete = (n: number, version: string, firstName = 'Zoë'): CanonicalRow => ({
  id: uuid('00000000', n),
  squad_id: '11111111-1111-4111-8111-111111111111',
  first_name: firstName,
  last_name: "O'Brien",
  email: `zoe${n}@example.test`,
  date_of_birth: '2001-02-03',
  position: null,
  is_active: 'true',
  created_at: '2026-01-02T03:04:05.123456Z',
  updated_at: '2026-01-02T03:04:05.000001Z',
  version,
});

const upsert = (event: number, row: CanonicalRow): SyncChange => ({
  eventId: uuid('33333333', event),
  entity: 'athletes',
  key: row.id ?? '',
  operation: 'upsert',
  version: row.version ?? '0',
  row,
});

const remove = (event: number, entity: SyncChange['entity'], key: string): SyncChange => ({
  eventId: uuid('33333333', event),
  entity,
  key,
  operation: 'delete',
  version: '4',
  row: null,
});

interface Legacy {
  readonly applied: ReadonlySet<string>;
  readonly kept: ReadonlyMap<string, { outcome: string; detail: string }>;
  /** The rows the lock read returns: legacy's current rows at the upserted keys. */
  readonly locked: readonly CanonicalRow[];
  readonly wins: ReadonlySet<string>;
  readonly rows: ReadonlyMap<string, CanonicalRow>;
}

const paramValues = (statement: MssqlStatement, name: RegExp): string[] =>
  statement.params.filter((p) => name.test(p.name)).map((p) => String(p.value));

function scriptedConnector(legacy: Legacy, sent: string[]): MssqlConnector {
  const answer = (statement: MssqlStatement): Record<string, unknown>[] => {
    const sql = statement.sql;
    if (sql.startsWith('INSERT INTO dbo.[SyncAppliedEvents]')) {
      sent.push('record event ids');
      return paramValues(statement, /^e\d+$/)
        .filter((id) => !legacy.applied.has(id))
        .map((id) => ({ id }));
    }
    if (sql.includes('[Outcome] AS [outcome]')) {
      sent.push('read kept outcomes');
      return paramValues(statement, /^e\d+$/).flatMap((id) => {
        const kept = legacy.kept.get(id);
        return kept === undefined ? [] : [{ id, ...kept }];
      });
    }
    if (sql.startsWith('UPDATE a SET')) {
      sent.push(`keep outcomes ${paramValues(statement, /^o\d+$/).join(',')}`);
      return [];
    }
    const table = /FROM dbo\.\[(\w+)\]|MERGE dbo\.\[(\w+)\]/.exec(sql);
    const name = table?.[1] ?? table?.[2] ?? '?';
    if (sql.includes('WITH (UPDLOCK, HOLDLOCK) WHERE')) {
      sent.push(`lock rows ${name}`);
      return [...legacy.locked];
    }
    if (sql.includes(' MERGE ')) {
      sent.push(`merge ${name}`);
      return paramValues(statement, /^p\d+_0$/)
        .filter((key) => legacy.wins.has(key))
        .map((key) => ({ key }));
    }
    if (sql.includes('DELETE t OUTPUT')) {
      sent.push(`delete ${name}`);
      return paramValues(statement, /^k\d+$/)
        .filter((key) => legacy.wins.has(key))
        .map((key) => ({ key }));
    }
    sent.push(`read current ${name}`);
    return paramValues(statement, /^k\d+$/).flatMap((key) => {
      const row = legacy.rows.get(key);
      return row === undefined ? [] : [row];
    });
  };
  const session: MssqlSession = { execute: (statement) => Promise.resolve(answer(statement)) };
  return { transaction: (_isolation, work) => work(session), ping: () => Promise.resolve() };
}

describe('MSSQL legacy writer applyBatch', () => {
  it('dedupes events, upserts parents first, deletes children first, and reports losses and overwrites', async () => {
    const replacedTie = athlete(1, '7', 'Concurrent');
    const newerLegacy = athlete(2, '9', 'Newer');
    const stillThere = athlete(5, '8');
    const keptDetail = JSON.stringify({ current: newerLegacy, overwritten: null });
    const changes: SyncChange[] = [
      upsert(1, athlete(1, '7')),
      upsert(2, athlete(2, '7')),
      upsert(3, athlete(3, '7')),
      upsert(4, athlete(4, '7')),
      remove(5, 'wellness_entries', uuid('22222222', 1)),
      remove(6, 'wellness_entries', uuid('22222222', 2)),
      remove(7, 'athletes', uuid('00000000', 5)),
    ];
    const legacy: Legacy = {
      applied: new Set([uuid('33333333', 3), uuid('33333333', 4)]),
      kept: new Map([[uuid('33333333', 3), { outcome: 'conflict', detail: keptDetail }]]),
      locked: [replacedTie, newerLegacy],
      wins: new Set([uuid('00000000', 1), uuid('22222222', 1)]),
      rows: new Map([
        [uuid('00000000', 2), newerLegacy],
        [uuid('00000000', 5), stillThere],
      ]),
    };
    const sent: string[] = [];
    const writer = createMssqlLegacyWriter(scriptedConnector(legacy, sent));

    const results = await writer.applyBatch(changes, {
      organisations: 'legacy',
      squads: 'legacy',
      athletes: 'new',
      wellness_entries: 'legacy',
    });

    expect(sent).toEqual([
      'record event ids',
      'lock rows Athletes',
      'merge Athletes',
      'delete WellnessEntries',
      'delete Athletes',
      'read current Athletes',
      'read current WellnessEntries',
      'keep outcomes applied,stale,stale',
      'read kept outcomes',
    ]);
    expect(results).toEqual([
      { eventId: uuid('33333333', 1), outcome: 'applied', current: null, overwritten: replacedTie },
      { eventId: uuid('33333333', 2), outcome: 'stale', current: newerLegacy },
      { eventId: uuid('33333333', 3), outcome: 'conflict', current: newerLegacy },
      { eventId: uuid('33333333', 4), outcome: 'duplicate', current: null },
      { eventId: uuid('33333333', 5), outcome: 'applied', current: null },
      { eventId: uuid('33333333', 6), outcome: 'applied', current: null },
      { eventId: uuid('33333333', 7), outcome: 'stale', current: stillThere },
    ]);
  });

  it('sends nothing for an empty batch', async () => {
    const sent: string[] = [];
    const empty: Legacy = {
      applied: new Set(),
      kept: new Map(),
      locked: [],
      wins: new Set(),
      rows: new Map(),
    };
    const writer = createMssqlLegacyWriter(scriptedConnector(empty, sent));
    expect(
      await writer.applyBatch([], {
        organisations: 'legacy',
        squads: 'legacy',
        athletes: 'new',
        wellness_entries: 'legacy',
      }),
    ).toEqual([]);
    expect(sent).toEqual([]);
  });
});
