import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OPENAPI_DOCUMENT } from './openapi-document.ts';
import { startQaReportsFixture, type QaReportsFixture } from './qa-reports-fixture.ts';
import type { DiffGroup } from './report-store.ts';

let f: QaReportsFixture;
const groups = new Map<string, DiffGroup>();

beforeAll(async () => {
  f = await startQaReportsFixture();
  // One group per operation that changes a group, so each call finds the state it documents.
  await f.play(
    ['accept', 'defect', 'delete', 'revoke', 'read'].map((field) => ({
      routeId: 'athletes-get',
      request: { method: 'GET', path: '/api/athletes/a1' },
      legacy: { [field]: 1 },
      candidate: { [field]: 2 },
    })),
  );
  const window = { from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000) };
  for (const g of await f.store.listGroups('athletes-get', { window })) {
    groups.set(g.paths[0]?.path.slice(2) ?? '', g);
  }
});

afterAll(async () => {
  await f?.close();
});

type Operation = { method: string; path: string; documented: readonly string[] };

function operations(): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(OPENAPI_DOCUMENT.paths)) {
    for (const [method, op] of Object.entries(item)) {
      out.push({ method: method.toUpperCase(), path, documented: Object.keys(op.responses) });
    }
  }
  return out;
}

async function concrete(op: Operation): Promise<string> {
  const groupFor = (use: string) => groups.get(use)?.id ?? 'missing';
  let path = op.path.replace('{routeId}', 'athletes-get');
  if (path.endsWith('/accept')) path = path.replace('{groupId}', groupFor('accept'));
  else if (path.endsWith('/defect')) path = path.replace('{groupId}', groupFor('defect'));
  else if (op.method === 'DELETE') path = path.replace('{groupId}', groupFor('delete'));
  else path = path.replace('{groupId}', groupFor('read'));
  if (path.includes('{sampleId}')) {
    const sample = (await f.store.listSamples(groupFor('read'), 1))[0];
    path = path.replace('{sampleId}', sample?.id ?? 'missing');
  }
  if (path.includes('{ruleId}')) {
    const rule = await f.store.acceptGroup(
      groupFor('revoke'),
      { reason: 'for the revoke call', equivalence: 'ignore-member' },
      {
        name: 't',
        role: 'qa',
      },
    );
    path = path.replace('{ruleId}', rule.id);
  }
  return path;
}

describe('OpenAPI document', () => {
  it('is an OpenAPI 3.1 document served at /openapi.json', async () => {
    const res = await fetch(`${f.baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
    expect(OPENAPI_DOCUMENT.openapi).toBe('3.1.0');
  });

  it('documents only endpoints that exist, each answering with a documented success status', async () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(11);
    for (const op of ops) {
      const url = `${f.baseUrl}${await concrete(op)}`;
      const res = await fetch(url, {
        method: op.method,
        headers: {
          authorization: `Bearer ${f.tokens.adminOperatorToken}`,
          'content-type': 'application/json',
        },
        ...(op.method === 'GET'
          ? {}
          : { body: JSON.stringify({ reason: 'contract check', note: 'contract check' }) }),
      });
      const success = op.documented.filter((s) => s.startsWith('2'));
      expect({ op: `${op.method} ${op.path}`, status: res.status }).toEqual({
        op: `${op.method} ${op.path}`,
        status: Number(success[0]),
      });
    }
  });

  it('answers an undocumented API path with a 404 that points at the document', async () => {
    const res = await fetch(`${f.baseUrl}/api/reports/nothing-here`, {
      headers: { authorization: `Bearer ${f.tokens.adminQaToken}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'no_such_endpoint' });
  });
});
