import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { createTokenVerifier } from '../../src/identity/token-verifier.ts';
import { demoIssuerSettings } from './demo-issuer-settings.ts';
import { DEMO_ORGANISATIONS } from './demo-organisations.ts';
import { loadIssuerKeys } from './issuer/issuer-keys.ts';
import { startOidcIssuer, type RunningIssuer } from './issuer/oidc-issuer.ts';

const run = promisify(execFile);
const SCRIPT = path.join(import.meta.dirname, 'token.ts');

describe('npm run demo:token', () => {
  let dataDir: string;
  let issuer: RunningIssuer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'strangler-token-'));
    env = { ...process.env, DATA_DIR: dataDir, DEMO_ISSUER_PORT: '0' };
    const keys = await loadIssuerKeys(path.join(dataDir, 'issuer', 'signing-keys.json'));
    issuer = await startOidcIssuer({ keys, port: 0 });
    env.DEMO_ISSUER_PORT = new URL(issuer.issuer).port;
  });
  afterAll(async () => {
    await issuer.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const token = async (...args: string[]) =>
    (await run(process.execPath, [SCRIPT, ...args], { env })).stdout.trim();

  it('lists the demo organisations, one a line', async () => {
    expect((await token('--list')).split('\n')).toEqual(DEMO_ORGANISATIONS.map((o) => o.name));
  });

  it("prints a token the demo issuer's verifiers accept, for the organisation, scopes and role asked", async () => {
    const printed = await token(
      '--org',
      'northside women',
      '--scopes',
      'athletes:read athletes:write',
      '--role',
      'coach',
    );
    const settings = demoIssuerSettings(env);
    const verifier = createTokenVerifier({ issuer: settings.issuer, audiences: [settings.audience] });
    const result = await verifier.verify(printed);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.principal.organisationId).toBe(DEMO_ORGANISATIONS[1]!.id);
    expect([...result.principal.scopes]).toEqual(['athletes:read', 'athletes:write']);
    expect([...result.principal.roles]).toEqual(['coach']);
  });

  it('gives an expired token for a negative --expires-in', async () => {
    const settings = demoIssuerSettings(env);
    const verifier = createTokenVerifier({ issuer: settings.issuer, audiences: [settings.audience] });
    const result = await verifier.verify(await token('--org', 'Valley Academy', '--expires-in', '-600'));
    expect(!result.ok && result.failure.kind).toBe('expired');
  });

  it('names the organisations when asked for one that does not exist', async () => {
    await expect(token('--org', 'Nobody FC')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no demo organisation is named "Nobody FC" (Harbour City FC,'),
    });
  });
});
