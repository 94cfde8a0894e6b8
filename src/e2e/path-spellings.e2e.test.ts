import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rm } from 'node:fs/promises';
import net from 'node:net';

import { DEMO_ORGANISATIONS } from '../../scripts/demo/demo-organisations.ts';
import { dotnetForSuite } from '../../scripts/legacy-aspnet/dotnet-suite.ts';
import { editFlags } from './flags-file.ts';
import { demoWorkDir, startStrangler, type StranglerProcess } from './strangler-process.ts';
import { eventually } from '../testing/eventually.ts';

/*
 * Every spelling Kestrel reads as one resource reaches the backend of that resource's canonical
 * spelling: the real ASP.NET legacy behind the demo, the athlete routes in `new`, each request written
 * byte for byte on a socket, and which side served it read from strangler_requests_total.
 */

const STEP_MS = 180_000;
const HARBOUR = DEMO_ORGANISATIONS[0]!;
const describeWithDotnet = dotnetForSuite('path spellings suite') ? describe : describe.skip;

interface Answer {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

describeWithDotnet('spellings of one path through the public port, in front of Kestrel', () => {
  let workDir: string;
  let strangler: StranglerProcess;
  let authorization: string;
  let athlete: Record<string, unknown> & { AthleteId: string };

  beforeAll(async () => {
    const made = await demoWorkDir('strangler-paths-');
    const { dataDir, flagsFile } = made;
    workDir = made.workDir;
    strangler = await startStrangler({
      dataDir,
      flagsFile,
      env: { LOG_LEVEL: 'warn', LEGACY_STAND_IN: 'aspnet' },
    });
    authorization = `Bearer ${await strangler.token({ organisationId: HARBOUR.id, roles: ['coach'] })}`;
    const list = await send(strangler.publicUrl, 'GET', '/api/athletes?pageSize=1', authorization);
    athlete = (JSON.parse(list.body) as (typeof athlete)[])[0]!;
    await editFlags(flagsFile, {
      'strangler.athletes-get': { enabled: true },
      'strangler.athletes-update': { enabled: true },
    });
    await eventually(async () => ((await routeModes()).every((mode) => mode === 'new') ? true : undefined));
  }, STEP_MS);

  afterAll(async () => {
    await strangler?.stop('SIGINT').catch(() => undefined);
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  }, STEP_MS);

  /** The request's answer, and the counts it moved (route/target → delta) once it has been counted. */
  async function sendCounted(method: string, target: string, body?: string): Promise<[Answer, string[]]> {
    const before = await counts();
    const answer = await send(strangler.publicUrl, method, target, authorization, body);
    const moved = await eventually(async () => {
      const after = await counts();
      const delta = [...after].filter(([key, n]) => n !== (before.get(key) ?? 0)).map(([key]) => key);
      return delta.length > 0 ? delta.sort() : undefined;
    });
    return [answer, moved];
  }

  async function routeModes(): Promise<string[]> {
    const report = (await adminJson('/api/routes')) as { routes: { id: string; mode: string }[] };
    return report.routes.filter((r) => ['athletes-get', 'athletes-update'].includes(r.id)).map((r) => r.mode);
  }

  async function adminText(adminPath: string): Promise<string> {
    const response = await fetch(new URL(adminPath, strangler.adminUrl), {
      headers: { authorization: `Bearer ${strangler.operatorToken}` },
    });
    return response.text();
  }

  async function adminJson(adminPath: string): Promise<unknown> {
    return JSON.parse(await adminText(adminPath)) as unknown;
  }

  /** strangler_requests_total by `route/target`, summed over modes and statuses. */
  async function counts(): Promise<Map<string, number>> {
    const metrics = await adminText('/metrics');
    const byKey = new Map<string, number>();
    for (const m of metrics.matchAll(/^strangler_requests_total\{([^}]*)\} (\d+)/gm)) {
      const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      const key = `${labels.route}/${labels.target}`;
      byKey.set(key, (byKey.get(key) ?? 0) + Number(m[2]));
    }
    return byKey;
  }

  test(
    'a read spelled as Kestrel would still read it reaches the new handler, with the same answer',
    async () => {
      const id = athlete.AthleteId;
      const [canonical, canonicalMoved] = await sendCounted('GET', `/api/athletes/${id}`);
      expect([canonical.status, canonicalMoved]).toEqual([200, ['athletes-get/new']]);
      for (const spelling of [
        `/api/./athletes/${id}`,
        `/api/x/../athletes/${id}`,
        `/../api/athletes/${id}`,
        `/api/%2e/athletes/${id}`,
        `/api/x/%2E%2E/athletes/${id}`,
        `/api/x/.%2e/athletes/${id}`,
        `/api/athletes/${id}/x/..`,
        `/API/Athletes/${id}`,
        `/api/%61thletes/${id}`,
        `/api/athletes/%7B${id}%7D`,
        `/api/athletes/${id.toUpperCase()}%20`,
        `/api/athletes/${id}/`,
        `/api/athletes/${id}?x=/../`,
      ]) {
        const [answer, moved] = await sendCounted('GET', spelling);
        expect([spelling, answer.status, moved, answer.body]).toEqual([
          spelling,
          200,
          ['athletes-get/new'],
          canonical.body,
        ]);
      }
    },
    STEP_MS,
  );

  test(
    'a write to /api/./athletes/{id} does not reach legacy while the route is in new',
    async () => {
      const body = JSON.stringify({
        SquadId: athlete.SquadId,
        FirstName: athlete.FirstName,
        LastName: athlete.LastName,
        Email: athlete.Email,
        DateOfBirth: String(athlete.DateOfBirth).slice(0, 10),
        Position: 'Goalkeeper',
      });
      for (const spelling of [
        `/api/./athletes/${athlete.AthleteId}`,
        `/api/%2E/athletes/${athlete.AthleteId}`,
      ]) {
        const [answer, moved] = await sendCounted('PUT', spelling, body);
        expect([spelling, answer.status, moved]).toEqual([spelling, 200, ['athletes-update/new']]);
        expect(JSON.parse(answer.body)).toMatchObject({
          AthleteId: athlete.AthleteId,
          Position: 'Goalkeeper',
        });
      }
    },
    STEP_MS,
  );

  test(
    'an encoded NUL gets Kestrel’s own empty 400, and a raw backslash the same, reaching neither side',
    async () => {
      const id = athlete.AthleteId;
      const kestrel = await send(strangler.legacyUrl, 'PUT', `/api/athletes/${id}%00`, authorization, '{}');
      for (const spelling of [`/api/athletes/${id}%00`, `/api\\athletes\\${id}`]) {
        const before = await counts();
        const answer = await send(strangler.publicUrl, 'PUT', spelling, authorization, '{}');
        expect([spelling, answer.status, answer.body, endToEnd(answer.head)]).toEqual([
          spelling,
          400,
          '',
          endToEnd(kestrel.head),
        ]);
        const after = await counts();
        expect(after.get('athletes-update/new')).toBe(before.get('athletes-update/new'));
        expect(after.get('athletes-update/legacy')).toBe(before.get('athletes-update/legacy'));
      }
    },
    STEP_MS,
  );
});

/** One request written as given on its own connection; reads until the server closes it. */
function send(url: URL, method: string, target: string, authorization: string, body = ''): Promise<Answer> {
  const head =
    `${method} ${target} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${authorization}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(head + body));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const received = Buffer.concat(chunks);
      const split = received.indexOf('\r\n\r\n');
      const responseHead = received.subarray(0, split).toString('latin1');
      const rest = received.subarray(split + 4);
      const chunked = /\r\ntransfer-encoding: chunked/i.test(responseHead);
      resolve({
        status: Number(responseHead.split(' ')[1]),
        head: responseHead,
        body: (chunked ? dechunk(rest) : rest).toString('utf8'),
      });
    });
  });
}

function dechunk(framed: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = framed.indexOf('\r\n', at);
    const size = parseInt(framed.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(framed.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** The status line and the headers an intermediary does not own (no Date, no Server). */
function endToEnd(head: string): string[] {
  return head
    .split('\r\n')
    .filter((line) => !/^(date|server):/i.test(line))
    .map((line) => line.toLowerCase());
}
