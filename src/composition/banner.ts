/*
 * What startup prints: the startup banner (where everything is), and a plain sentence when a port is taken.
 */
import type { AddressInfo } from 'node:net';

import type { Config } from '../config.ts';
import type { Environment } from './environment.ts';

const SYNC_STATES = {
  on: 'on',
  'outbox-only': 'outbox only (SYNC_IN_PROCESS=false: the sync runs in `npm run sync-worker` processes)',
  off: 'off (no LEGACY_DATABASE_URL)',
} as const;

export function printBanner(
  config: Config,
  environment: Environment,
  running: {
    readonly publicPort: number;
    readonly adminAddress: AddressInfo;
    readonly syncState: 'on' | 'outbox-only' | 'off';
  },
): void {
  const { publicPort, adminAddress } = running;
  const adminBase = `${config.adminTls === undefined ? 'http' : 'https'}://${adminAddress.address === '0.0.0.0' ? '127.0.0.1' : adminAddress.address}:${adminAddress.port}`;
  const lines = [
    '',
    'strangler is running',
    ...environment.started.map((s) => `  started: ${s}`),
    `  public (legacy API surface): http://127.0.0.1:${publicPort}   → legacy ${environment.legacyUrl.origin}`,
    callersTokens(environment),
    `  admin: ${adminBase}  (metrics /metrics, health /health/ready, routes /api/routes)`,
    `  QA reports: ${adminBase}/reports`,
    `  flags: ${config.unleash === undefined ? `${config.flagsFile} (offline; edits apply within 2 s)` : config.unleash.url}`,
    `  dual-write sync: ${SYNC_STATES[running.syncState]}`,
  ];
  if (config.demoTokens) {
    lines.push(
      '  demo admin tokens (set ADMIN_QA_TOKEN / ADMIN_OPERATOR_TOKEN in production):',
      `    QA:       ${config.adminQaToken}`,
      `    operator: ${config.adminOperatorToken}`,
    );
  }
  lines.push('  Ctrl-C stops everything.', '');
  console.log(lines.join('\n'));
}

/** Whose bearer tokens the public port accepts: what a caller needs, and the e2e suite reads back. */
function callersTokens({ auth }: Environment): string {
  return auth === undefined
    ? "  callers' tokens: no issuer (AUTH_ISSUER unset): routes with a policy stay on legacy"
    : `  callers' tokens: issuer ${auth.issuer}  audience ${auth.audiences.join(' ')}`;
}

/**
 * A plain sentence for the most common way a start fails on a workstation: one of strangler's ports
 * is taken (another `npm start` still running, say), naming the setting that moves it.
 */
export function addressInUseHint(error: unknown, config: Config): string | undefined {
  const { code, port } = (error ?? {}) as { code?: unknown; port?: unknown };
  if (code !== 'EADDRINUSE' || typeof port !== 'number') return undefined;
  const owners: [number, string][] = [
    [config.port, 'PORT (the public port)'],
    [config.adminPort, 'ADMIN_PORT (the admin port)'],
    [config.legacyStandInPort, 'LEGACY_STAND_IN_PORT (the demo legacy)'],
  ];
  const setting = owners.find(([owned]) => owned === port)?.[1];
  return (
    `strangler failed to start: port ${port} is already in use (is another strangler still running?)` +
    (setting === undefined ? '' : `; set ${setting} to use another`) +
    (setting?.startsWith('PORT') === true ? ', or REUSE_PORT=true to share it with another replica' : '')
  );
}
