/*
 * The two listeners: the admin port (metrics, health, routes, QA reports, the sync API) and the public
 * port (the proxy).
 */
import type { AddressInfo } from 'node:net';

import type { Express } from 'express';
import type pg from 'pg';

import { openNewDatabase } from '../../adapters/database.ts';
import type { FlagResolver } from '../../flags/flag-resolver.ts';
import { createAdminServer } from '../admin/admin-server.ts';
import type { AdminAuth } from '../admin/auth.ts';
import { plainHttpAdminWarning } from '../admin/admin-transport.ts';
import { databaseCheck, flagsLoadedCheck, legacyReachableCheck } from '../admin/readiness.ts';
import type { Config } from '../config.ts';
import type { TokenVerifier } from '../identity/token-verifier.ts';
import type { Logger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { createPublicServer } from '../proxy/public-server.ts';
import { createPostgresReportStore } from '../qa-reports/postgres-report-store.ts';
import { createQaReportsRouter } from '../qa-reports/qa-reports-router.ts';
import type { RouteTable } from '../routing/route.ts';
import { type Shadow } from '../shadow/start-shadow.ts';
import type { SyncRuntime } from '../sync/sync-runtime.ts';
import type { Closer, Lifecycle } from './shutdown.ts';
import { mountSyncApi } from './sync.ts';

/** The admin port: metrics, health, routes, QA reports and the sync API. */
export async function startAdmin(
  config: Config,
  parts: {
    readonly legacyUrl: URL;
    readonly routes: RouteTable;
    readonly flags: FlagResolver;
    readonly reportStore: ReturnType<typeof createPostgresReportStore>;
    readonly syncApi: { runtime: SyncRuntime; pool: pg.Pool } | undefined;
    readonly newDb: ReturnType<typeof openNewDatabase>;
    readonly onRulesChanged: () => Promise<void>;
    readonly metrics: ReturnType<typeof createMetrics>;
    readonly logger: Logger;
    readonly closers: Closer[];
    /** True once the process is stopping: readiness answers 503. */
    readonly stopping: () => boolean;
  },
): Promise<AddressInfo> {
  const { legacyUrl, routes, flags, reportStore, syncApi, newDb, onRulesChanged, metrics, logger, closers } =
    parts;
  const admin = createAdminServer({
    config,
    routes,
    flags,
    metrics,
    logger,
    ...(config.adminTls === undefined ? {} : { tls: config.adminTls }),
    stopping: parts.stopping,
    readinessChecks: [
      legacyReachableCheck(legacyUrl),
      flagsLoadedCheck(flags),
      databaseCheck('postgres', newDb),
    ],
    extensions: [
      (app: Express, auth: AdminAuth) => {
        app.use(
          createQaReportsRouter({
            store: reportStore,
            routes: routes.routes,
            flags,
            tokens: config,
            auth,
            logger,
            onRulesChanged,
            readiness: config.readiness,
          }),
        );
      },
      (app: Express, auth: AdminAuth) => mountSyncApi(app, auth, syncApi, logger),
    ],
  });
  const adminAddress = await admin.listen(config.adminPort, config.adminHost);
  closers.push(['admin port', () => admin.close()]);
  logAdminTransport(config, logger);
  return adminAddress;
}

/** HTTPS with which certificate, or a warning when plain HTTP reaches beyond this machine. */
function logAdminTransport(config: Config, logger: Logger): void {
  const tls = config.adminTls;
  if (tls !== undefined) {
    const fields = { certFile: tls.certFile, validTo: tls.validTo.toISOString() };
    // An expired certificate still serves probes (kubelet does not verify it), but browsers refuse it.
    if (tls.validTo.getTime() <= Date.now()) logger.warn('the admin port certificate has expired', fields);
    else logger.info('the admin port speaks HTTPS', fields);
    return;
  }
  const warning = plainHttpAdminWarning(config.adminHost);
  if (warning !== undefined)
    logger.warn(warning, { adminHost: config.adminHost, adminPort: config.adminPort });
}

/** The public port, listening; closed first on shutdown (stop taking client traffic, then drain). */
export async function startPublicPort(
  config: Config,
  parts: {
    readonly legacyUrl: URL;
    readonly routes: RouteTable;
    readonly flags: FlagResolver;
    readonly observer: Shadow['observer'];
    /** Undefined: no issuer, so routes with a policy stay on legacy. */
    readonly verifier: TokenVerifier | undefined;
    readonly metrics: ReturnType<typeof createMetrics>;
    readonly logger: Logger;
    readonly closers: Closer[];
    readonly lifecycle: Pick<Lifecycle, 'onStopping'>;
  },
): Promise<number> {
  const { legacyUrl, routes, flags, observer, verifier, metrics, logger, closers } = parts;
  const proxy = createPublicServer({
    config: { legacyUrl, legacyTimeoutMs: config.legacyTimeoutMs, hostHeader: config.hostHeader },
    legacyEngine: config.proxyEngine,
    legacyMaxBodyBytes: config.legacyMaxRequestBodyBytes,
    bodies: config.bodies,
    routes,
    flags,
    metrics,
    logger,
    observer,
    ...(verifier === undefined ? {} : { verifier }),
  });
  await new Promise<void>((resolve, reject) => {
    proxy.server.once('error', reject);
    // REUSE_PORT: replicas on one host share PORT (SO_REUSEPORT); the kernel spreads connections.
    proxy.server.listen({ port: config.port, reusePort: config.reusePort }, () => {
      proxy.server.off('error', reject);
      resolve();
    });
  });
  // Keep-alive clients are sent away from the signal on; the listener closes after SHUTDOWN_DELAY_MS.
  parts.lifecycle.onStopping(() => proxy.drain());
  closers.push(['public port', (deadline) => proxy.close(Math.max(0, deadline - Date.now()))]);
  return (proxy.server.address() as AddressInfo).port;
}
