import { describe, expect, test } from '@jest/globals';

import { compileTsql, createTsqlCompiler } from '../../../adapters/mssql/compile-tsql.ts';
import { isParseableTsql } from '../../../adapters/mssql/tsql-syntax.ts';
import { legacyQueries as q, type AthleteValues } from './legacy-queries.ts';

/*
 * The stand-in runs on SQL Server when LEGACY_DATABASE_URL is mssql://, which no development machine
 * has: every query it sends is compiled with kysely's SQL Server compiler, snapshot-reviewed and parsed
 * as T-SQL here.
 */

const db = createTsqlCompiler();
const ID = '0b7c2a18-9d3e-4f51-8a6b-1c2d3e4f5a6b';
const SQUAD = '3f2b8c1e-6a4d-4e0b-9c7a-1d2e3f405161';
const NOW = '2026-11-21 10:15:30.1230000';
const values: AthleteValues = {
  SquadId: SQUAD,
  FirstName: 'Ada',
  LastName: 'Holm',
  Email: 'Ada.Holm@example.test',
  DateOfBirth: '2004-03-09',
  Position: null,
};
const page = { offset: 50, fetch: 50 };
const ORGANISATION = '5a1c0e2d-8b3f-4a6e-9d1c-2b3a4c5d6e01';
const open = undefined;

const queries = {
  listSquads: q.listSquads(db, open),
  listSquadsInOrganisation: q.listSquads(db, ORGANISATION),
  findSquad: q.findSquad(db, open, SQUAD),
  findSquadInOrganisation: q.findSquad(db, ORGANISATION, SQUAD),
  countActiveAthletes: q.countAthletes(db, { scope: open, includeInactive: false }),
  countActiveAthletesInOrganisation: q.countAthletes(db, { scope: ORGANISATION, includeInactive: false }),
  countSquadAthletesWithInactive: q.countAthletes(db, {
    scope: open,
    squadId: SQUAD,
    includeInactive: true,
  }),
  listActiveAthletes: q.listAthletes(db, { scope: open, includeInactive: false }, page),
  listActiveAthletesInOrganisation: q.listAthletes(db, { scope: ORGANISATION, includeInactive: false }, page),
  listSquadAthletes: q.listAthletes(db, { scope: open, squadId: SQUAD, includeInactive: false }, page),
  findAthlete: q.findAthlete(db, open, ID),
  findAthleteInOrganisation: q.findAthlete(db, ORGANISATION, ID),
  findAthleteIdByEmail: q.findAthleteIdByEmail(db, values.Email),
  insertAthlete: q.insertAthlete(db, ID, values, NOW),
  updateAthlete: q.updateAthlete(db, ID, values, NOW),
  deactivateAthlete: q.deactivateAthlete(db, ID, NOW),
  countWellnessInRange: q.countWellness(db, { athleteId: ID, from: '2026-11-01', to: '2026-11-30' }),
  listWellnessInRange: q.listWellness(db, { athleteId: ID, from: '2026-11-01', to: '2026-11-30' }, page),
  listWellnessUnbounded: q.listWellness(db, { athleteId: ID }, page),
  findWellnessEntryId: q.findWellnessEntryId(db, ID, '2026-11-20'),
  findWellnessEntry: q.findWellnessEntry(db, ID),
  insertWellness: q.insertWellness(
    db,
    {
      WellnessEntryId: ID,
      AthleteId: ID,
      EntryDate: '2026-11-20',
      Sleep: 4,
      Soreness: 2,
      Fatigue: 2,
      Stress: 3,
      Mood: 4,
      Score: '3.8',
      Notes: null,
    },
    NOW,
  ),
  availabilityAthletes: q.availabilityAthletes(db, SQUAD),
  availabilityEntries: q.availabilityEntries(db, SQUAD, '2026-11-15', '2026-11-21'),
};

const compiled = Object.entries(queries).map(([name, query]) => ({ name, ...compileTsql(query) }));

describe('legacy stand-in queries as T-SQL', () => {
  test('every query builder of the stand-in is compiled here', () => {
    const variants = /(Active|Squad(?=Athletes)|WithInactive|InRange|Unbounded|InOrganisation)/g;
    const covered = new Set(Object.keys(queries).map((name) => name.replace(variants, '').toLowerCase()));
    const builders = Object.keys(q).map((name) => name.replace(variants, '').toLowerCase());
    expect(builders.filter((name) => !covered.has(name))).toEqual([]);
  });

  test('match the reviewed T-SQL snapshot (SQL and parameters)', () => {
    expect(
      Object.fromEntries(compiled.map((c) => [c.name, { sql: c.sql, parameters: c.parameters }])),
    ).toMatchSnapshot();
  });

  test('parse as T-SQL', () => {
    // node-sql-parser's grammar wants literals in OFFSET/FETCH (see adapters/mssql/tsql-syntax.ts); the
    // page parameters are inlined for the syntax check only, the snapshot keeps the real statement.
    const inlinePaging = (sql: string, parameters: readonly unknown[]): string =>
      sql.replace(/(offset|fetch next) @(\d+) rows/g, (_m, clause: string, n: string) => {
        return `${clause} ${String(parameters[Number(n) - 1])} rows`;
      });
    const unparseable = compiled.filter((c) => !isParseableTsql(inlinePaging(c.sql, c.parameters)));
    expect(unparseable.map((c) => c.name)).toEqual([]);
  });

  test('page with OFFSET … FETCH NEXT, which SQL Server accepts, and never LIMIT', () => {
    for (const c of compiled.filter((x) => x.name.startsWith('list') && !x.name.startsWith('listSquads'))) {
      expect(c.sql).toMatch(/order by .* offset @\d+ rows fetch next @\d+ rows only$/);
      expect(c.sql).not.toMatch(/\blimit\b/i);
    }
  });

  test('compare e-mails ignoring case and trailing spaces with LOWER and RTRIM, portable to both engines', () => {
    const email = compiled.find((c) => c.name === 'findAthleteIdByEmail');
    expect(email?.sql).toContain(`lower(rtrim("Email", ' ')) = lower(rtrim(@1, ' '))`);
    expect(email?.parameters).toEqual(['Ada.Holm@example.test']);
  });
});
