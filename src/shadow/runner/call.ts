import type { HandlerResponse } from '../../handlers/new-handler.ts';
import type { TokenVerifier } from '../../identity/token-verifier.ts';
import type { RouteMatch, RouteRecord } from '../../routing/route.ts';
import type { CapturedRequest, CapturedResponse } from '../captured-exchange.ts';
import { decodeBody } from '../decode-body.ts';
import type { LegacyCall } from '../legacy-caller.ts';
import type { SampleCaller, ShadowReason } from '../store/shadow-store.ts';
import type { ShadowDefaults } from './sample.ts';
import { createShadowCallerIdentity } from './shadow-caller.ts';

/** Told when a call outlives its timeout, and when such a call finally settles. */
export interface OverdueCalls {
  begin(): void;
  end(): void;
}

/** The new side's response, and the verified caller it ran for (none: an open route, or refused). */
export interface NewSideAnswer {
  readonly response: CapturedResponse;
  readonly caller: SampleCaller | undefined;
}

/** The other side of an exchange, each call bounded by the route's timeout and capture limit. */
export interface ShadowCalls {
  /** Legacy, for a safe method only; its body decoded, or `truncated` when over the limit. */
  legacy(request: CapturedRequest, settings: ShadowDefaults): Promise<CapturedResponse>;
  /**
   * The route's new handler, for the request's verified caller (or the refusal the new side would
   * answer instead); `dryRun` for an unsafe method, which must roll its writes back.
   */
  newHandler(
    route: RouteRecord,
    params: RouteMatch['params'],
    request: CapturedRequest,
    dryRun: boolean,
    settings: ShadowDefaults,
  ): Promise<NewSideAnswer>;
}

export function createShadowCalls(
  callLegacy: LegacyCall,
  overdueCalls: OverdueCalls,
  callers: TokenVerifier | undefined,
): ShadowCalls {
  const identify = createShadowCallerIdentity(callers);
  return {
    async legacy(request, settings) {
      const response = await withTimeout(
        settings.timeoutMs,
        (signal) => callLegacy(request, { signal, limitBytes: settings.captureLimitBytes }),
        overdueCalls,
      );
      const decoded = await decodeBody(response.headers, response.body, settings.captureLimitBytes);
      if (!decoded.ok) {
        if (decoded.reason === 'over-cap') return { ...response, body: Buffer.alloc(0), truncated: true };
        throw new Error(`legacy body: ${decoded.reason}`);
      }
      return { ...response, body: decoded.body };
    },
    async newHandler(route, params, request, dryRun, settings) {
      // The timeout covers the token's verification too: the issuer's keys may have to be fetched.
      return withTimeout(
        settings.timeoutMs,
        async (signal) => {
          const caller = await identify(route, request);
          if (!caller.allowed) return { response: caller.response, caller: undefined };
          const { principal } = caller;
          const response = await route.handler({
            method: request.method,
            path: request.path,
            params,
            query: new URLSearchParams(request.query),
            headers: request.headers,
            body: request.body,
            requestId: request.requestId,
            signal,
            dryRun,
            principal,
          });
          return {
            response: handlerResponse(response, settings.captureLimitBytes),
            caller:
              principal === undefined
                ? undefined
                : { subject: principal.subject, organisationId: principal.organisationId },
          };
        },
        overdueCalls,
      );
    },
  };
}

class ShadowTimeoutError extends Error {
  override readonly name = 'ShadowTimeoutError';
}

/**
 * Aborts the call's signal at the timeout and stops waiting for it even if it ignores the signal, so
 * the comparison is recorded as a timeout at once; `overdue` hears of a call still running after that.
 */
export function withTimeout<T>(
  ms: number,
  call: (signal: AbortSignal) => Promise<T>,
  overdue: OverdueCalls,
): Promise<T> {
  // One timer and no Promise.race over a second promise for the timeout (this runs for every shadowed
  // request, and all of it is garbage for the young generation to sweep).
  const controller = new AbortController();
  let timedOut = false;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      timedOut = true;
      overdue.begin();
      const error = new ShadowTimeoutError(`shadow call timed out after ${ms} ms`);
      controller.abort(error);
      reject(error);
    }, ms);
    const settle = {
      value: (value: T) => {
        clearTimeout(timer);
        if (timedOut) overdue.end();
        resolve(value);
      },
      error: (error: unknown) => {
        clearTimeout(timer);
        if (timedOut) overdue.end();
        reject(error);
      },
    };
    // Called from a microtask, never inside the caller's stack (the proxy's, for an early dry run); a
    // handler that throws synchronously, or returns a plain value, settles like an async one.
    Promise.resolve()
      .then(() => call(controller.signal))
      .then(settle.value, settle.error);
  });
}

/** The stored reason of a shadow side that failed, with the error as the logged detail. */
export function failure(side: 'new' | 'legacy', error: unknown): { code: ShadowReason; detail: string } {
  const code: ShadowReason =
    error instanceof ShadowTimeoutError ? 'timeout' : side === 'new' ? 'new-failed' : 'legacy-failed';
  return { code, detail: describe(error) };
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string'
      ? `${error.name} ${code}: ${error.message}`
      : `${error.name}: ${error.message}`;
  }
  return String(error);
}

function handlerResponse(response: HandlerResponse, limitBytes: number): CapturedResponse {
  const headers: Record<string, string | readonly string[]> = {};
  const given = response.headers ?? {};
  for (const name in given) headers[name.toLowerCase()] = given[name] as string | readonly string[];
  const body =
    response.body === undefined
      ? Buffer.alloc(0)
      : typeof response.body === 'string'
        ? Buffer.from(response.body, 'utf8')
        : response.body;
  return body.length > limitBytes
    ? { status: response.status, headers, body: Buffer.alloc(0), truncated: true }
    : { status: response.status, headers, body };
}
