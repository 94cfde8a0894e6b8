import pg from 'pg';

import { traceQueries } from '../observability/pg-query-spans.ts';

/**
 * A pg pool for the sync's long-running loops. pg emits a dropped connection as an 'error' event: on the
 * pool for an idle client, but on the client itself for one that is checked out between queries (a
 * relay transaction waiting on the other database). Without a listener there, node kills the process;
 * with one, the next query on that client fails and the loop backs off as for any outage.
 */
export function createSyncPool(config: pg.PoolConfig, onConnectionLost: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    // An unreachable database must fail fast so the relay backs off (and releases its claims).
    connectionTimeoutMillis: 5000,
    ...config,
  });
  pool.on('error', onConnectionLost);
  pool.on('connect', (client) => {
    client.on('error', onConnectionLost);
    traceQueries(client);
  });
  return pool;
}
