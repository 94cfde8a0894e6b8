import type { AddressInfo } from 'node:net';
import type http from 'node:http';

import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import type { Kysely } from 'kysely';

import { openLegacyDatabase } from '../../../adapters/database.ts';
import { migrateLegacyToLatest } from '../../../adapters/migrations.ts';
import type { LegacyDatabase } from '../../../adapters/schema.ts';
import { ATHLETE_WITH_ENTRIES, ATHLETES, SQUADS, seedLegacy } from '../../../contract-tests/contract-data.ts';
import { createTestDatabase, type TestDatabase } from '../../../src/testing/test-database.ts';
import { createLegacyStandIn } from './legacy-stand-in.ts';

let database: TestDatabase;
let db: Kysely<LegacyDatabase>;
let server: http.Server;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase('stand_in');
  db = openLegacyDatabase(database.url, { poolMax: 4 });
  await migrateLegacyToLatest(db);
  server = createLegacyStandIn({ db, now: () => new Date('2026-11-21T10:15:30.123Z') });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await db.destroy();
  await database.drop();
});

beforeEach(async () => {
  await seedLegacy(db);
});

async function call(method: string, path: string, body?: string, contentType = 'application/json') {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text === '' ? undefined : JSON.parse(text),
  };
}

const athlete = ATHLETES[0];

describe('legacy stand-in: ASP.NET Core conventions', () => {
  test('an athlete is PascalCase JSON in C# member order, with datetime2 as System.Text.Json writes it and date-only as midnight', async () => {
    const r = await call('GET', `/api/athletes/${athlete.id}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.text).toBe(
      JSON.stringify({
        AthleteId: athlete.id,
        SquadId: athlete.squadId,
        FirstName: 'Erling',
        LastName: 'Aalto',
        Email: 'erling.aalto@example.test',
        DateOfBirth: '2000-07-21T00:00:00',
        Position: 'Forward',
        IsActive: true,
        CreatedAt: '2025-08-15T12:00:00.654321',
        UpdatedAt: '2025-09-01T08:45:12.0001',
        Version: 1,
      }),
    );
  });

  test('a datetime2 in the years 0001 to 0099 is read and written as legacy does, not a 500', async () => {
    await db
      .updateTable('dbo.Athletes')
      .set({ CreatedAt: '0050-06-07 08:09:10.5', UpdatedAt: '0001-01-01 00:00:00' })
      .where('AthleteId', '=', athlete.id)
      .execute();
    const r = await call('GET', `/api/athletes/${athlete.id}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ CreatedAt: '0050-06-07T08:09:10.5', UpdatedAt: '0001-01-01T00:00:00' });
  });

  test('route ids in N, B and upper-case form bind like Guid.TryParse; anything else is an empty 404', async () => {
    const n = await call('GET', `/api/athletes/${athlete.id.replaceAll('-', '').toUpperCase()}`);
    expect(n.status).toBe(200);
    expect(n.json.AthleteId).toBe(athlete.id);
    const braces = await call('GET', `/api/athletes/%7B${athlete.id}%7D`);
    expect(braces.status).toBe(200);
    const bad = await call('GET', '/api/athletes/not-a-guid');
    expect(bad.status).toBe(404);
    expect(bad.text).toBe('');
  });

  test('an unknown athlete is a ProblemDetails 404 with a W3C traceId', async () => {
    const r = await call('GET', '/api/athletes/00000000-0000-0000-0000-000000000001');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(Object.keys(r.json)).toEqual(['type', 'title', 'status', 'traceId']);
    expect(r.json).toMatchObject({
      type: 'https://tools.ietf.org/html/rfc9110#section-15.5.5',
      title: 'Not Found',
    });
    expect(r.json.traceId).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });

  test('wellness scores keep decimal(3,1) scale in the JSON text (5.0, not 5)', async () => {
    const r = await call(
      'GET',
      `/api/athletes/${ATHLETE_WITH_ENTRIES}/wellness?from=2026-11-03&to=2026-11-03`,
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('x-total-count')).toBe('1');
    expect(r.text).toContain('"Score":5.0,');
  });

  test('paging: X-Total-Count counts all matches; out-of-range pageSize is a validation problem', async () => {
    const page = await call('GET', '/api/athletes?page=2&pageSize=2');
    expect(page.headers.get('x-total-count')).toBe(String(ATHLETES.filter((a) => a.isActive).length));
    expect(page.json.map((a: { LastName: string }) => a.LastName)).toEqual(['Berg', 'Dahl']);
    const invalid = await call('GET', '/api/athletes?page=x&PAGESIZE=500');
    expect(invalid.status).toBe(400);
    expect(invalid.json.errors).toEqual({
      page: ["The value 'x' is not valid."],
      pageSize: ['The field pageSize must be between 1 and 200.'],
    });
  });

  test('validation problems list every field in declaration order with the .NET default messages', async () => {
    const r = await call(
      'POST',
      '/api/athletes',
      JSON.stringify({
        squadId: SQUADS[0].id,
        firstName: ' ',
        email: 'no-at-sign',
        position: 'x'.repeat(51),
      }),
    );
    expect(r.status).toBe(400);
    expect(r.json.title).toBe('One or more validation errors occurred.');
    expect(r.json.errors).toEqual({
      FirstName: ['The FirstName field is required.'],
      LastName: ['The LastName field is required.'],
      Email: ['The Email field is not a valid e-mail address.'],
      DateOfBirth: ['The DateOfBirth field is required.'],
      Position: ['The field Position must be a string with a maximum length of 50.'],
    });
  });

  test('a malformed body and a wrongly typed member fail binding as a whole', async () => {
    const malformed = await call('POST', '/api/athletes', '{"FirstName": ');
    expect(malformed.json.errors).toEqual({
      request: ['The request field is required.'],
      '$.FirstName': [
        'Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array ' +
          'that should be closed. Path: $.FirstName | LineNumber: 0 | BytePositionInLine: 14.',
      ],
    });
    const typed = await call(
      'POST',
      `/api/athletes/${athlete.id}/wellness`,
      '{"EntryDate":"2026-11-20","Sleep":4.0}',
    );
    expect(Object.keys(typed.json.errors)).toEqual(['request', '$.Sleep']);
    const media = await call('POST', '/api/athletes', '{}', 'text/plain');
    expect(media.status).toBe(415);
  });

  test('creating an athlete answers 201 with an absolute Location; a case-insensitive duplicate e-mail is 409', async () => {
    const body = {
      SquadId: SQUADS[1].id,
      FirstName: 'Ada',
      LastName: 'Holm',
      Email: 'ada.holm@example.test',
      DateOfBirth: '2004-03-09',
      Position: null,
    };
    const created = await call('POST', '/api/athletes', JSON.stringify(body));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${base}/api/athletes/${created.json.AthleteId}`);
    expect(created.json).toMatchObject({
      IsActive: true,
      Version: 1,
      CreatedAt: '2026-11-21T10:15:30.123',
    });
    const again = await call(
      'POST',
      '/api/athletes',
      JSON.stringify({ ...body, Email: 'ADA.HOLM@example.test' }),
    );
    expect(again.status).toBe(409);
    expect(again.json.detail).toBe("An athlete with the email 'ADA.HOLM@example.test' already exists.");
  });

  test('updating bumps Version and UpdatedAt; delete is soft and idempotent', async () => {
    const updated = await call(
      'PUT',
      `/api/athletes/${athlete.id}`,
      JSON.stringify({
        ...{ SquadId: athlete.squadId, FirstName: 'Erling', LastName: 'Aalto' },
        Email: athlete.email,
        DateOfBirth: athlete.dateOfBirth,
        Position: 'Winger',
      }),
    );
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({
      Position: 'Winger',
      Version: 2,
      UpdatedAt: '2026-11-21T10:15:30.123',
    });
    expect((await call('DELETE', `/api/athletes/${athlete.id}`)).status).toBe(204);
    expect((await call('DELETE', `/api/athletes/${athlete.id}`)).status).toBe(204);
    const after = await call('GET', `/api/athletes/${athlete.id}`);
    expect(after.json).toMatchObject({ IsActive: false, Version: 3 });
  });

  test('a second wellness entry for the same day is a 409; the score rounds half to even', async () => {
    const answers = { Sleep: 4, Soreness: 2, Fatigue: 2, Stress: 3, Mood: 4 }; // 3.85
    const created = await call(
      'POST',
      `/api/athletes/${athlete.id}/wellness`,
      JSON.stringify({ EntryDate: '2026-11-20', ...answers, Notes: null }),
    );
    expect(created.status).toBe(201);
    expect(created.text).toContain('"Score":3.8,');
    const duplicate = await call(
      'POST',
      `/api/athletes/${athlete.id}/wellness`,
      JSON.stringify({ EntryDate: '2026-11-20', ...answers }),
    );
    expect(duplicate.status).toBe(409);
  });

  test('concurrent writers of one e-mail or one day get one 201 and 409s, never a 500', async () => {
    const athleteBody = (i: number) =>
      JSON.stringify({
        SquadId: SQUADS[1].id,
        FirstName: 'Ada',
        LastName: `Holm${i}`,
        Email: i % 2 === 0 ? 'race@example.test' : 'RACE@example.test',
        DateOfBirth: '2004-03-09',
      });
    const creates = await Promise.all([0, 1, 2, 3].map((i) => call('POST', '/api/athletes', athleteBody(i))));
    expect(creates.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    const entry = JSON.stringify({
      EntryDate: '2026-11-25',
      Sleep: 3,
      Soreness: 3,
      Fatigue: 3,
      Stress: 3,
      Mood: 3,
    });
    const entries = await Promise.all(
      [0, 1, 2].map(() => call('POST', `/api/athletes/${athlete.id}/wellness`, entry)),
    );
    expect(entries.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  test('the availability report lists active squad members with their latest score of the week', async () => {
    // The clock is 2026-11-21: the seeded entries (early November) are out of the 7-day window.
    const entry = { EntryDate: '2026-11-20', Sleep: 4, Soreness: 2, Fatigue: 2, Stress: 3, Mood: 4 };
    await call('POST', `/api/athletes/${athlete.id}/wellness`, JSON.stringify(entry));
    const r = await call('GET', `/api/reports/availability?squadId=${SQUADS[0].id}`);
    expect(r.status).toBe(200);
    expect(r.text).toContain(
      '"LatestEntryDate":"2026-11-20T00:00:00","LatestScore":3.8,"Status":"Available"',
    );
    expect(r.json.Athletes.filter((a: { Status: string }) => a.Status === 'NoData')).toHaveLength(3);
    expect(r.json.Athletes.map((a: { LastName: string }) => a.LastName)).toEqual([
      'Aalto',
      'Berg',
      'Berg',
      'Dahl',
    ]);
    const missing = await call('GET', '/api/reports/availability');
    expect(missing.json.errors).toEqual({ squadId: ['The squadId field is required.'] });
  });
});
