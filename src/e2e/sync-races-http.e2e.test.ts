import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';

import pg from 'pg';

import { databaseUrlOrDemo } from '../../scripts/demo/demo-database-urls.ts';
import { DEMO_ORGANISATIONS } from '../../scripts/demo/demo-organisations.ts';
import { dotnetForSuite } from '../../scripts/legacy-aspnet/dotnet-suite.ts';
import { athlete, inTransaction, legacySideWriteAthlete } from '../sync/testing/sync-fixtures.ts';
import { race, runRounds, waitSettled } from '../sync/testing/sync-races.ts';
import { eventually } from '../testing/eventually.ts';
import { editFlags } from './flags-file.ts';
import { putAthlete, softDelete, sqlWrite } from './http-race-writes.ts';
import type { AthleteBody, HttpSide, RaceWrite } from './http-race-writes.ts';
import { settledRows, silentLoss } from './race-verdict.ts';
import { demoWorkDir, projectNode, REPO_ROOT, startStrangler } from './strangler-process.ts';
import type { StranglerProcess } from './strangler-process.ts';

/*
 * The sync raced through both real APIs: strangler as a process (athletes-update in `new`, so a PUT is
 * the new handler, the outbox and the relay) in front of the real ASP.NET legacy on the stand-in
 * database, while legacy's own API (PUT, its soft DELETE) and direct SQL on legacy's database (an
 * `UPDATE … Version = Version + 1` or a hard DELETE, held open a while) write the same athlete. Each
 * round ends with the sync settled and every committed write present on both sides, superseded by a
 * write that saw it, or recorded in strangler.sync_conflicts; each ownership ends with `npm run
 * reconcile`. Rounds are bounded by SYNC_RACE_HTTP_ROUNDS (200) and SYNC_RACE_HTTP_MS (20 s) per ownership.
 */

const ROUNDS = Number(process.env.SYNC_RACE_HTTP_ROUNDS ?? 200);
const ROUNDS_MS = Number(process.env.SYNC_RACE_HTTP_MS ?? 20_000);
const PARALLEL = 8;
const STEP_MS = 180_000;
const HARBOUR = DEMO_ORGANISATIONS[0]!;
const OTHER_WRITES = ['legacy-put', 'sql-update', 'legacy-soft-delete', 'sql-delete'] as const;
/** What legacy answers each client in these races: the row may only be gone after a hard delete. */
const LEGACY_ANSWERS: Record<string, number[]> = {
  'new-put': [200],
  'new-put after sql-delete': [200, 404],
  'legacy-put': [200],
  'legacy-soft-delete': [204],
};
/** What legacySideWriteAthlete writes besides the key, squad, first name and e-mail. */
const FIXTURE_BODY = { LastName: 'Doe', DateOfBirth: '2001-02-03', Position: 'Wing' };
const describeWithDotnet = dotnetForSuite('sync races over HTTP suite') ? describe : describe.skip;
const execFileAsync = promisify(execFile);

interface Prepared {
  readonly id: string;
  readonly body: AthleteBody;
}

interface Tally {
  rounds: number;
  createMs: number;
  roundsMs: number;
  committed: Record<string, number>;
  answers: Record<string, number>;
  unexpectedAnswers: string[];
  silentLosses: string[];
  keys: string[];
}

const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

describeWithDotnet('sync races through both real APIs (strangler in front of Kestrel)', () => {
  let workDir: string;
  let dataDir: string;
  let flagsFile: string;

  beforeAll(async () => {
    ({ workDir, dataDir, flagsFile } = await demoWorkDir('strangler-races-'));
    await editFlags(flagsFile, { 'strangler.athletes-update': { enabled: true } });
  });
  afterAll(async () => {
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  describe.each([
    ['legacy', 'athletes=legacy'],
    ['new', 'athletes=new'],
  ])('athletes owned by %s', (owner, ownership) => {
    let strangler: StranglerProcess;
    let newPool: pg.Pool;
    let legacyPool: pg.Pool;
    let viaStrangler: HttpSide;
    let toLegacy: HttpSide;
    let squadId: string;

    beforeAll(async () => {
      strangler = await startStrangler({
        dataDir,
        flagsFile,
        env: { LEGACY_STAND_IN: 'aspnet', SYNC_OWNERSHIP: ownership, SYNC_IDLE_POLL_MS: '10' },
      });
      const authorization = `Bearer ${await strangler.token({ organisationId: HARBOUR.id, roles: ['coach'] })}`;
      viaStrangler = { base: strangler.publicUrl, authorization };
      toLegacy = { base: strangler.legacyUrl, authorization };
      newPool = demoPool(dataDir, 'new');
      legacyPool = demoPool(dataDir, 'legacy');
      const squad = await legacyPool.query<{ id: string }>(
        `SELECT "SquadId"::text AS id FROM dbo."Squads" WHERE "OrganisationId" = $1 LIMIT 1`,
        [HARBOUR.id],
      );
      squadId = squad.rows[0]!.id;
      await eventually(async () => ((await routeMode(strangler)) === 'new' ? true : undefined));
    }, STEP_MS);

    afterAll(async () => {
      await newPool?.end();
      await legacyPool?.end();
      await strangler?.stop('SIGINT').catch(() => undefined);
    }, STEP_MS);

    /** The other client's write of round `i`, racing the PUT through strangler. */
    function otherWrite(i: number, id: string, body: AthleteBody): () => Promise<RaceWrite> {
      const kind = OTHER_WRITES[i % OTHER_WRITES.length]!;
      const holdMs = i % 2 === 0 ? 0 : 5 + (i % 20);
      const value = `${owner}-legacy-${i}`;
      if (kind === 'legacy-put') return () => putAthlete(toLegacy, kind, id, { ...body, FirstName: value });
      if (kind === 'legacy-soft-delete') return () => softDelete(toLegacy, id);
      return () => sqlWrite(legacyPool, id, kind === 'sql-update' ? value : null, holdMs);
    }

    /** The rounds' athletes, inserted on legacy in one transaction (setup, not raced) and synced over. */
    async function createAthletes(count: number): Promise<Prepared[]> {
      const fields = Array.from({ length: count }, (_, i) => athlete(squadId, i));
      await inTransaction(legacyPool, async (client) => {
        for (const a of fields)
          await legacySideWriteAthlete(client, { ...a, firstName: `${owner}-first-${a.id}` });
      });
      for (const { id } of fields) await waitSettled(newPool, legacyPool, id);
      return fields.map(({ id, email }) => ({
        id,
        body: { ...FIXTURE_BODY, SquadId: squadId, FirstName: `${owner}-first-${id}`, Email: email },
      }));
    }

    async function playRound(i: number, { id, body }: Prepared, tally: Tally): Promise<void> {
      tally.keys.push(id);
      const [fromNew, other] = await race(
        () => putAthlete(viaStrangler, 'new-put', id, { ...body, FirstName: `${owner}-new-${i}` }),
        otherWrite(i, id, body),
      );
      await waitSettled(newPool, legacyPool, id);
      const rows = await settledRows(newPool, legacyPool, id);
      for (const write of [fromNew, other]) {
        if (write.committed) bump(tally.committed, write.kind);
        if (write.status === 0) continue;
        const answered =
          write.kind === 'new-put' && other.kind === 'sql-delete' ? 'new-put after sql-delete' : write.kind;
        bump(tally.answers, `${write.kind} ${write.status}`);
        if (!(LEGACY_ANSWERS[answered] ?? []).includes(write.status))
          tally.unexpectedAnswers.push(`round ${i}: ${answered} answered ${write.status}`);
      }
      if (JSON.stringify(rows.new) !== JSON.stringify(rows.legacy))
        tally.silentLosses.push(
          `round ${i}: sides differ ${JSON.stringify(rows)}; ${await trail(newPool, id)}`,
        );
      for (const [write, against] of [
        [fromNew, other],
        [other, fromNew],
      ] as const) {
        const why = await silentLoss(newPool, id, write, against, rows.legacy);
        if (why !== undefined) tally.silentLosses.push(`round ${i} (${other.kind}): ${why}`);
      }
    }

    test(
      `every committed write is on both sides, superseded by one that saw it, or recorded (≤${ROUNDS} rounds)`,
      async () => {
        const tally: Tally = {
          rounds: 0,
          createMs: 0,
          roundsMs: 0,
          committed: {},
          answers: {},
          unexpectedAnswers: [],
          silentLosses: [],
          keys: [],
        };
        const creating = performance.now();
        const athletes = await createAthletes(ROUNDS);
        tally.createMs = Math.round(performance.now() - creating);
        const started = performance.now();
        await runRounds(ROUNDS, PARALLEL, async (i) => {
          if (performance.now() - started > ROUNDS_MS) return;
          await playRound(i, athletes[i]!, tally);
          tally.rounds += 1;
        });
        tally.roundsMs = Math.round(performance.now() - started);

        const conflicts = await newPool.query<{ kind: string; n: string }>(
          `SELECT direction || ' ' || kind AS kind, count(*)::text AS n FROM strangler.sync_conflicts
            WHERE entity_key = ANY($1::text[]) GROUP BY 1 ORDER BY 1`,
          [tally.keys],
        );
        const deadLetters = await newPool.query(
          `SELECT 1 FROM strangler.sync_dead_letters WHERE entity_key = ANY($1::text[])`,
          [tally.keys],
        );
        const reconciled = await reconcile(dataDir);
        const { keys, ...shown } = tally;
        const recorded = Object.fromEntries(conflicts.rows.map((r) => [r.kind, Number(r.n)]));
        console.log(`sync races over HTTP, athletes owned by ${owner}:`, { ...shown, conflicts: recorded });

        expect(tally.rounds).toBeGreaterThanOrEqual(Math.min(ROUNDS, 40));
        expect({ keys: keys.length, deadLetters: deadLetters.rows.length }).toEqual({
          keys: tally.rounds,
          deadLetters: 0,
        });
        expect(tally.unexpectedAnswers).toEqual([]);
        expect(tally.silentLosses).toEqual([]);
        expect(reconciled).toEqual({ code: 0, output: expect.stringContaining('athletes') });
      },
      STEP_MS,
    );
  });
});

/** What the sync did with `id`, in order: for a failure message. */
async function trail(newPool: pg.Pool, id: string): Promise<string> {
  const audit = await newPool.query<{ step: string }>(
    `SELECT direction || ' v' || version || ' ' || outcome AS step FROM strangler.sync_audit
      WHERE entity_key = $1 ORDER BY id`,
    [id],
  );
  const outbox = await newPool.query<{ step: string }>(
    `SELECT 'v' || version || ' ' || status || ' ' || coalesce(outcome, '-') AS step FROM strangler.sync_outbox
      WHERE entity_key = $1 ORDER BY id`,
    [id],
  );
  const conflicts = await newPool.query<{ step: string }>(
    `SELECT direction || ' ' || kind || ' v' || incoming_version || ' ' || (incoming_row ->> 'first_name') || ' / v' || current_version || ' ' || (current_row ->> 'first_name') AS step
       FROM strangler.sync_conflicts WHERE entity_key = $1 ORDER BY id`,
    [id],
  );
  const steps = (rows: { step: string }[]) => rows.map((r) => r.step).join(', ');
  return `audit: ${steps(audit.rows)}; outbox: ${steps(outbox.rows)}; conflicts: ${steps(conflicts.rows)}`;
}

/** A small pool on one of the demo's embedded databases. */
function demoPool(dataDir: string, which: 'new' | 'legacy'): pg.Pool {
  const resolved = databaseUrlOrDemo({ DATA_DIR: dataDir }, which);
  if ('problem' in resolved) throw new Error(resolved.problem);
  const pool = new pg.Pool({ connectionString: resolved.url, max: 8 });
  // The process under test stops its PostgreSQL at the end; an idle client's FATAL is expected.
  pool.on('error', () => undefined);
  return pool;
}

async function routeMode(running: StranglerProcess): Promise<string | undefined> {
  const response = await fetch(new URL('/api/routes', running.adminUrl), {
    headers: { authorization: `Bearer ${running.operatorToken}` },
  });
  const report = (await response.json()) as { routes: { id: string; mode: string }[] };
  return report.routes.find((r) => r.id === 'athletes-update')?.mode;
}

/** `npm run reconcile -- --entity athletes` on the demo's databases: its exit code and output. */
async function reconcile(dataDir: string): Promise<{ code: number; output: string }> {
  const env = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  const args = ['scripts/reconcile.ts', '--entity', 'athletes', '--lag-window-ms', '500'];
  try {
    const { stdout, stderr } = await execFileAsync(projectNode(), args, { cwd: REPO_ROOT, env });
    return { code: 0, output: stdout + stderr };
  } catch (error: unknown) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}
