import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import pg from 'pg';

import { DEMO_ORGANISATIONS } from '../../scripts/demo/demo-organisations.ts';
import { dotnetForSuite } from '../../scripts/legacy-aspnet/dotnet-suite.ts';
import { editFlags } from './flags-file.ts';
import { demoWorkDir, startStrangler, type StranglerProcess } from './strangler-process.ts';
import { eventually } from '../testing/eventually.ts';

/*
 * The cross-organisation attack suite: one caller of Harbour City FC, with every scope and the coach
 * role, goes after Northside Women's athletes, squads and entries, and callers with bad or weak tokens
 * go after Harbour's own — once with every route on legacy and once with every route on its new handler.
 * Every answer must be the same bytes (status, WWW-Authenticate, body but for the ProblemDetails
 * traceId), and neither database may change. Run against both legacies: the ASP.NET app and the
 * TypeScript stand-in.
 */

const STEP_MS = 180_000;
const HARBOUR = DEMO_ORGANISATIONS[0]!;
const NORTHSIDE = DEMO_ORGANISATIONS[1]!;
const ROUTE_FLAGS = [
  'athletes-list',
  'athletes-get',
  'athletes-create',
  'athletes-update',
  'athletes-delete',
  'squad-athletes-list',
  'squads-list',
  'wellness-list',
  'wellness-create',
];

interface Attack {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly body?: unknown;
}

interface Answer {
  readonly name: string;
  readonly status: number;
  readonly challenge: string | null;
  readonly body: string;
}

const legacies = dotnetForSuite('cross-organisation attack suite') ? ['aspnet', 'node'] : ['node'];

describe.each(legacies)('cross-organisation attacks through the public port (legacy: %s)', (legacy) => {
  let workDir: string;
  let flagsFile: string;
  let strangler: StranglerProcess;
  let pools: pg.Pool[];
  let attacks: Attack[];

  beforeAll(async () => {
    let dataDir: string;
    ({ workDir, dataDir, flagsFile } = await demoWorkDir('strangler-attack-'));
    strangler = await startStrangler({
      dataDir,
      flagsFile,
      env: { LOG_LEVEL: 'warn', LEGACY_STAND_IN: legacy },
    });
    pools = await Promise.all(
      ['strangler', 'strangler_legacy'].map((db) => openDemoDatabase(workDir, strangler, db)),
    );
    attacks = await planAttacks(strangler);
  }, STEP_MS);

  afterAll(async () => {
    await Promise.all((pools ?? []).map((pool) => pool.end()));
    await strangler?.stop('SIGINT').catch(() => undefined);
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  }, STEP_MS);

  test(
    'every route on its new handler refuses and hides exactly as legacy does, and nothing is written',
    async () => {
      const before = await fingerprints(pools);
      const fromLegacy = await sendAll(strangler, attacks);
      expect(fromLegacy.filter((a) => a.status < 400).map((a) => a.name)).toEqual([
        'list every athlete: only Harbour athletes',
        'list squads: only Harbour squads',
      ]);

      await editFlags(
        flagsFile,
        Object.fromEntries(ROUTE_FLAGS.map((id) => [`strangler.${id}`, { enabled: true }])),
      );
      await eventually(async () =>
        (await routeModes(strangler)).every((mode) => mode === 'new') ? true : undefined,
      );
      const fromNew = await sendAll(strangler, attacks);

      expect(fromNew).toEqual(fromLegacy);
      expect(await fingerprints(pools)).toEqual(before);
    },
    STEP_MS,
  );
});

/** What a Harbour caller (and weaker callers) send, with Northside's ids read through legacy. */
async function planAttacks(strangler: StranglerProcess): Promise<Attack[]> {
  const bearer = async (
    organisationId: string,
    extra: { scopes?: string[]; roles?: string[]; expiresInSeconds?: number } = {},
  ) => `Bearer ${await strangler.token({ organisationId, roles: ['coach'], ...extra })}`;
  const harbour = await bearer(HARBOUR.id);
  const northsideAthlete = await firstAthlete(strangler, await bearer(NORTHSIDE.id));
  const harbourAthlete = await firstAthlete(strangler, harbour);
  const athleteBody = (squadId: string, email: string) => ({
    SquadId: squadId,
    FirstName: 'Mallory',
    LastName: 'Intruder',
    Email: email,
    DateOfBirth: '2001-02-03',
    Position: 'Winger',
  });
  const entry = { EntryDate: '2020-01-01', Sleep: 3, Soreness: 3, Fatigue: 3, Stress: 3, Mood: 3 };
  const theirs = `/api/athletes/${northsideAthlete.AthleteId}`;
  const ours = `/api/athletes/${harbourAthlete.AthleteId}`;
  return [
    { name: "read another organisation's athlete", method: 'GET', path: theirs, authorization: harbour },
    {
      name: "update another organisation's athlete",
      method: 'PUT',
      path: theirs,
      authorization: harbour,
      body: athleteBody(northsideAthlete.SquadId, 'mallory.update@example.test'),
    },
    {
      name: "move one's athlete into another organisation's squad",
      method: 'PUT',
      path: ours,
      authorization: harbour,
      body: athleteBody(northsideAthlete.SquadId, harbourAthlete.Email),
    },
    { name: "delete another organisation's athlete", method: 'DELETE', path: theirs, authorization: harbour },
    {
      name: "read another organisation's wellness",
      method: 'GET',
      path: `${theirs}/wellness`,
      authorization: harbour,
    },
    {
      name: "add wellness under another organisation's athlete",
      method: 'POST',
      path: `${theirs}/wellness`,
      authorization: harbour,
      body: entry,
    },
    {
      name: "create an athlete in another organisation's squad",
      method: 'POST',
      path: '/api/athletes',
      authorization: harbour,
      body: athleteBody(northsideAthlete.SquadId, 'mallory.create@example.test'),
    },
    {
      name: "list another organisation's squad",
      method: 'GET',
      path: `/api/squads/${northsideAthlete.SquadId}/athletes`,
      authorization: harbour,
    },
    {
      name: 'list every athlete: only Harbour athletes',
      method: 'GET',
      path: '/api/athletes?pageSize=200',
      authorization: harbour,
    },
    { name: 'list squads: only Harbour squads', method: 'GET', path: '/api/squads', authorization: harbour },
    {
      name: 'delete without the coach role',
      method: 'DELETE',
      path: ours,
      authorization: await bearer(HARBOUR.id, { roles: [] }),
    },
    { name: 'read without a token', method: 'GET', path: ours },
    { name: 'write without a token', method: 'POST', path: `${ours}/wellness`, body: entry },
    {
      name: 'read with an expired token',
      method: 'GET',
      path: ours,
      authorization: await bearer(HARBOUR.id, { expiresInSeconds: -3600 }),
    },
    {
      name: 'read with a token that is not a JWT',
      method: 'GET',
      path: ours,
      authorization: 'Bearer not-a-jwt',
    },
    {
      name: 'write with only read scopes',
      method: 'POST',
      path: `${ours}/wellness`,
      authorization: await bearer(HARBOUR.id, { scopes: ['athletes:read', 'wellness:read'] }),
      body: entry,
    },
    {
      name: 'read with a token of an organisation that does not exist',
      method: 'GET',
      path: ours,
      authorization: await bearer('00000000-0000-4000-8000-000000000000'),
    },
  ];
}

async function firstAthlete(
  strangler: StranglerProcess,
  authorization: string,
): Promise<{ AthleteId: string; SquadId: string; Email: string }> {
  const response = await fetch(new URL('/api/athletes?pageSize=1', strangler.publicUrl), {
    headers: { authorization },
  });
  const [athlete] = (await response.json()) as { AthleteId: string; SquadId: string; Email: string }[];
  if (!athlete) throw new Error('the demo organisation has no athlete');
  return athlete;
}

async function sendAll(strangler: StranglerProcess, attacks: readonly Attack[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const attack of attacks) {
    const headers: Record<string, string> = {};
    if (attack.authorization !== undefined) headers.authorization = attack.authorization;
    if (attack.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(new URL(attack.path, strangler.publicUrl), {
      method: attack.method,
      headers,
      ...(attack.body === undefined ? {} : { body: JSON.stringify(attack.body) }),
    });
    answers.push({
      name: attack.name,
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
      // ProblemDetails carry the request's own traceId: the one part two answers may not share.
      body: (await response.text()).replace(/"traceId":"[^"]*"/, '"traceId":"…"'),
    });
  }
  return answers;
}

/** A digest of every row of the four entity tables on both databases. */
async function fingerprints(pools: readonly pg.Pool[]): Promise<string[]> {
  const tables = [
    ['organisations', 'squads', 'athletes', 'wellness_entries'],
    ['dbo."Organisations"', 'dbo."Squads"', 'dbo."Athletes"', 'dbo."WellnessEntries"'],
  ];
  const digests: string[] = [];
  for (const [index, pool] of pools.entries()) {
    for (const table of tables[index]!) {
      const { rows } = await pool.query<{ digest: string }>(
        `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') AS digest FROM ${table} t`,
      );
      digests.push(`${table} ${rows[0]!.digest}`);
    }
  }
  return digests;
}

async function routeModes(strangler: StranglerProcess): Promise<string[]> {
  const response = await fetch(new URL('/api/routes', strangler.adminUrl), {
    headers: { authorization: `Bearer ${strangler.operatorToken}` },
  });
  const report = (await response.json()) as { routes: { id: string; mode: string }[] };
  return report.routes.filter((r) => ROUTE_FLAGS.includes(r.id)).map((r) => r.mode);
}

async function openDemoDatabase(
  workDir: string,
  running: StranglerProcess,
  database: string,
): Promise<pg.Pool> {
  const credentials = JSON.parse(
    await readFile(path.join(workDir, 'data', 'postgres', 'credentials.json'), 'utf8'),
  ) as { password: string };
  const url = new URL(`postgres://127.0.0.1:${running.postgresPort}/${database}`);
  url.username = 'postgres';
  url.password = credentials.password;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on('error', () => undefined);
  return pool;
}
