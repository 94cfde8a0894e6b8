import http from 'node:http';
import https from 'node:https';
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import type { FlagResolver } from '../../flags/flag-resolver.ts';
import { errorDetails } from '../observability/logger.ts';

export interface ReadinessResult {
  readonly ok: boolean;
  readonly detail?: string;
}

/** One dependency the proxy needs before it should receive traffic. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<ReadinessResult>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly (ReadinessResult & { readonly name: string; readonly durationMs: number })[];
}

/**
 * Runs every check in parallel, each bounded by `timeoutMs`: a hanging dependency makes the probe
 * answer "not ready" in time instead of making the orchestrator's probe time out.
 */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (check) => {
      const started = performance.now();
      const result = await withTimeout(check, timeoutMs);
      return { name: check.name, ...result, durationMs: Math.round(performance.now() - started) };
    }),
  );
  return { ready: results.every((r) => r.ok), checks: results };
}

async function withTimeout(check: ReadinessCheck, timeoutMs: number): Promise<ReadinessResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([check.check(), timeout]);
  } catch (error: unknown) {
    return { ok: false, detail: `check failed: ${shortReason(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

export interface LegacyReachableOptions {
  /** Per-attempt timeout; readiness probes run every few seconds. */
  readonly timeoutMs?: number;
  /** A result is reused this long so frequent probes (N replicas x probes) do not load legacy. */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/**
 * Legacy is reachable when an HTTP request to its base URL gets any answer other than a gateway
 * error. A bare TCP connect is not enough behind Azure App Service: its front end accepts connections
 * and answers 502/503 while the app itself is down. HEAD keeps the answer small; any status (404, 405,
 * 401 ...) proves the app is up. Concurrent probes share one request.
 */
export function legacyReachableCheck(legacyUrl: URL, options: LegacyReachableOptions = {}): ReadinessCheck {
  const timeoutMs = options.timeoutMs ?? 1000;
  const cacheMs = options.cacheMs ?? 2000;
  const now = options.now ?? Date.now;
  let cached: { at: number; result: Promise<ReadinessResult> } | undefined;
  return {
    name: 'legacy',
    check(): Promise<ReadinessResult> {
      const at = now();
      if (cached === undefined || at - cached.at >= cacheMs) {
        cached = { at, result: probe(legacyUrl, timeoutMs) };
      }
      return cached.result;
    },
  };
}

const GATEWAY_ERRORS = new Set([502, 503, 504]);

function probe(url: URL, timeoutMs: number): Promise<ReadinessResult> {
  const started = performance.now();
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    // agent: false: a fresh connection each time proves legacy accepts new ones, and nothing is left
    // open between probes.
    const request = client.request(url, { method: 'HEAD', agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      const elapsed = Math.round(performance.now() - started);
      resolve(
        GATEWAY_ERRORS.has(status)
          ? { ok: false, detail: `${url.origin} answered ${status} (gateway error) in ${elapsed} ms` }
          : { ok: true, detail: `${url.origin} answered ${status} in ${elapsed} ms` },
      );
    });
    request.on('timeout', () => {
      request.destroy(new Error(`no response within ${timeoutMs} ms`));
    });
    request.on('error', (error: unknown) => {
      resolve({ ok: false, detail: `${url.origin} unreachable: ${shortReason(error)}` });
    });
    request.end();
  });
}

/** Ready once flags were loaded at least once (server, backup file or flags.json). */
export function flagsLoadedCheck(flags: Pick<FlagResolver, 'isReady' | 'killSwitchOn'>): ReadinessCheck {
  return {
    name: 'flags',
    async check(): Promise<ReadinessResult> {
      if (!flags.isReady()) return { ok: false, detail: 'flags not loaded yet' };
      return {
        ok: true,
        detail: flags.killSwitchOn() ? 'loaded; kill switch ON (all routes on legacy)' : 'loaded',
      };
    },
  };
}

/** Anything kysely can run a query on (a `Kysely<...>` of either engine). */
export type QueryRunner = Parameters<RawBuilder<unknown>['execute']>[0];

/**
 * The database answers a trivial query (`select 1` is valid on PostgreSQL and SQL Server alike).
 * Named by the caller, e.g. `databaseCheck('postgres', newDb)`.
 */
export function databaseCheck(name: string, db: QueryRunner): ReadinessCheck {
  return {
    name,
    async check(): Promise<ReadinessResult> {
      const started = performance.now();
      try {
        await sql`select 1`.execute(db);
        return { ok: true, detail: `answered in ${Math.round(performance.now() - started)} ms` };
      } catch (error: unknown) {
        return { ok: false, detail: `query failed: ${shortReason(error)}` };
      }
    },
  };
}

/** `ECONNREFUSED`, or the message; a dual-stack refusal is an AggregateError with an empty message. */
function shortReason(error: unknown): string {
  const details = errorDetails(error);
  const inner = Array.isArray(details.errors)
    ? (details.errors[0] as Record<string, unknown> | undefined)
    : undefined;
  const reason = details.code ?? (details.message === '' ? (inner?.code ?? inner?.message) : details.message);
  return String(reason ?? 'unknown error');
}
