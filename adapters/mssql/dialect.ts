import { MssqlDialect } from 'kysely';
import * as Tarn from 'tarn';
import * as Tedious from 'tedious';

import type { EngineCapabilities } from '../engine-capabilities.ts';
import { connectWithRetry } from './connect-with-retry.ts';
import { parseMssqlUrl } from './connection-url.ts';
import type { MssqlConnectionSettings } from './connection-url.ts';
import { convertTediousValue } from './tedious-values.ts';
import type { TediousColumnMetadata } from './tedious-values.ts';

/*
 * SQL Server / Azure SQL through kysely's MssqlDialect over tedious and a tarn pool. This file only wires
 * the pieces: URL parsing (connection-url.ts), connect retry (connect-with-retry.ts) and value conversion
 * (tedious-values.ts).
 */

export const mssqlCapabilities: EngineCapabilities = {
  engine: 'mssql',
  supportsReturning: false,
  supportsOutput: true,
  supportsOnConflict: false,
  supportsMerge: true,
  supportsTop: true,
  maxQueryParameters: 2100,
};

export function tediousConfig(settings: MssqlConnectionSettings): Tedious.ConnectionConfiguration {
  return {
    server: settings.server,
    authentication: {
      type: 'default',
      options: { userName: settings.userName, password: settings.password },
    },
    options: {
      port: settings.port,
      database: settings.database,
      encrypt: settings.encrypt,
      trustServerCertificate: settings.trustServerCertificate,
      connectTimeout: settings.connectTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      appName: settings.appName,
      // Retried by connectWithRetry with back-off instead (see there).
      maxRetriesOnTransientErrors: 0,
      // Legacy datetime2 values are UTC without an offset (adapters/schema.ts).
      useUTC: true,
    },
  };
}

type RowColumn = { metadata: TediousColumnMetadata; value: unknown };
type Listener = (...args: unknown[]) => void;
type EventMethod = (event: string, listener: Listener) => Tedious.Request;

/**
 * Adapts a tedious Request to the legacy schema:
 *  - rows reach 'row' listeners in the formats of adapters/schema.ts (kysely subscribes with on('row')
 *    and unsubscribes with off('row'), so both are wrapped on the instance);
 *  - a JS Date parameter is sent as datetime2(7), not as kysely's default `datetime`, whose 1/300 s
 *    rounding would silently change a datetime2 value it is compared with or written to.
 */
export function adaptTediousRequest(request: Tedious.Request): Tedious.Request {
  const on = request.on.bind(request) as EventMethod;
  const off = request.off.bind(request) as EventMethod;
  const addParameter = request.addParameter.bind(request);
  const wrappers = new WeakMap<Listener, Listener>();
  const patched = {
    on(event: string, listener: Listener): Tedious.Request {
      if (event !== 'row') return on(event, listener);
      const converting: Listener = (columns) =>
        listener(
          (columns as RowColumn[]).map((c) => ({
            metadata: c.metadata,
            value: convertTediousValue(c.metadata, c.value),
          })),
        );
      wrappers.set(listener, converting);
      return on(event, converting);
    },
    off(event: string, listener: Listener): Tedious.Request {
      return off(event, event === 'row' ? (wrappers.get(listener) ?? listener) : listener);
    },
    addParameter(...args: Parameters<Tedious.Request['addParameter']>): void {
      const [name, type, value, options] = args;
      if (type === Tedious.TYPES.DateTime) {
        addParameter(name, Tedious.TYPES.DateTime2, value, { ...options, scale: 7 });
      } else {
        addParameter(name, type, value, options);
      }
    },
  };
  return Object.assign(request, patched);
}

/** Constructed by kysely's driver like tedious' Request; returns a converting one. */
class ConvertingRequest {
  constructor(...args: ConstructorParameters<typeof Tedious.Request>) {
    return adaptTediousRequest(new Tedious.Request(...args));
  }
}

/**
 * kysely's driver connects whatever connectionFactory returns. Connecting is done here instead (with
 * retries), so kysely gets a connection whose connect() reports the already open session.
 */
function alreadyConnected(connection: Tedious.Connection): Tedious.Connection {
  return new Proxy(connection, {
    get(target, property, receiver) {
      if (property === 'connect')
        return (callback: (error?: Error) => void) => queueMicrotask(() => callback());
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export interface MssqlDialectOptions {
  onConnectRetry?: (attempt: number, delayMs: number, error: Error) => void;
}

export function createMssqlDialect(url: string, options: MssqlDialectOptions = {}): MssqlDialect {
  const settings = parseMssqlUrl(url);
  const config = tediousConfig(settings);
  return new MssqlDialect({
    tarn: { ...Tarn, options: { min: 0, max: settings.poolMax, propagateCreateError: true } },
    tedious: {
      ...Tedious,
      Request: ConvertingRequest as unknown as typeof Tedious.Request,
      connectionFactory: async () =>
        alreadyConnected(
          await connectWithRetry(() => new Tedious.Connection(config), {
            retries: settings.connectRetries,
            baseDelayMs: settings.connectRetryBaseMs,
            ...(options.onConnectRetry === undefined ? {} : { onRetry: options.onConnectRetry }),
          }),
        ),
    },
  });
}
