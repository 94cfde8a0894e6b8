/*
 * Runs the legacy stand-in alone (USAGE below; `npm run legacy-stand-in -- --help`).
 */
import type { AddressInfo } from 'node:net';

import { openLegacyDatabase } from '../../../adapters/database.ts';
import { migrateLegacyToLatest } from '../../../adapters/migrations.ts';
import { createLogger, errorDetails } from '../../../src/observability/logger.ts';
import { cliOptions } from '../../cli-args.ts';
import { createLegacyStandIn } from './legacy-stand-in.ts';

const USAGE = `usage: LEGACY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/legacy [PORT=5000] [AUTH_ISSUER=… AUTH_AUDIENCE=…] npm run legacy-stand-in
  LEGACY_DATABASE_URL is the legacy dbo schema (postgres:// for the stand-in database, mssql:// for SQL
  Server); it is migrated on start. PORT defaults to 5000 (0 picks a free port). With AUTH_ISSUER and
  AUTH_AUDIENCE (comma-separated) every request needs a bearer token of that issuer and sees only its
  organisation, as the ASP.NET legacy with Auth:Authority; without them it is open. Ctrl-C stops it.`;
cliOptions({}, USAGE);

async function main(): Promise<void> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
  const url = process.env.LEGACY_DATABASE_URL;
  const port = Number(process.env.PORT ?? '5000');
  if (url === undefined || url === '') throw new Error('LEGACY_DATABASE_URL is required');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be 0..65535 (got ${port})`);

  const db = openLegacyDatabase(url, { applicationName: 'legacy-stand-in' });
  await migrateLegacyToLatest(db);
  const server = createLegacyStandIn({ db, logger, ...authFromEnvironment() });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  logger.info('legacy stand-in listening', {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });

  const stop = (): void => {
    logger.info('legacy stand-in stopping');
    server.close(() => {
      void db.destroy();
    });
    server.closeIdleConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function authFromEnvironment(): { auth?: { issuer: string; audiences: string[] } } {
  const issuer = process.env.AUTH_ISSUER ?? '';
  const audiences = (process.env.AUTH_AUDIENCE ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (issuer === '' && audiences.length === 0) return {};
  if (issuer === '' || audiences.length === 0) throw new Error('AUTH_ISSUER and AUTH_AUDIENCE go together');
  return { auth: { issuer, audiences } };
}

main().catch((error: unknown) => {
  console.error('legacy stand-in failed to start', errorDetails(error));
  process.exitCode = 1;
});
