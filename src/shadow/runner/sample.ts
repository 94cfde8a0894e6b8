import type { ModeDecision } from '../../../flags/flag-resolver.ts';
import type { ObservedRequest } from '../../proxy/exchange-observer.ts';
import { SAFE_METHODS, type RouteRecord } from '../../routing/route.ts';

export interface ShadowDefaults {
  readonly sampleRate: number;
  readonly captureLimitBytes: number;
  readonly timeoutMs: number;
}

/** Used for routes without `shadow` settings: every request, bodies captured up to 1 MiB, 5 s calls. */
export const DEFAULT_SHADOW_SETTINGS: ShadowDefaults = {
  sampleRate: 1,
  captureLimitBytes: 1024 * 1024,
  timeoutMs: 5000,
};

/** A route's shadow settings: its own where it sets them, the defaults otherwise. */
export function shadowSettingsOf(route: RouteRecord, defaults: ShadowDefaults): ShadowDefaults {
  return {
    sampleRate: route.shadow?.sampleRate ?? defaults.sampleRate,
    captureLimitBytes: route.shadow?.captureLimitBytes ?? defaults.captureLimitBytes,
    timeoutMs: route.shadow?.timeoutMs ?? defaults.timeoutMs,
  };
}

/**
 * The sampling policy (shared by the runner and the shadow thread's host, which decides on the proxy's
 * thread): the bytes of each body to capture for a sampled request, `unsampled` for a shadow-eligible
 * one the sample rate left out (counted for QA's effective sample rate), undefined for one not eligible.
 */
export function sampledCaptureLimit(
  route: RouteRecord,
  decision: ModeDecision,
  defaults: ShadowDefaults,
  random: () => number,
): number | 'unsampled' | undefined {
  if (decision.mode === 'legacy') return undefined;
  // Serving new, the other side is legacy, which never sees an unsafe method twice. The method is not
  // known yet: a route with only unsafe methods is left alone here, mixed routes are filtered later
  // (run-exchange.ts).
  if (decision.serve === 'new' && route.methods.every((m) => !SAFE_METHODS.has(m))) return undefined;
  // Asked for every matched request in a shadowing mode: no settings object is built for it.
  const rate = decision.sampleRate ?? route.shadow?.sampleRate ?? defaults.sampleRate;
  if (!(rate > 0) || random() >= rate) return 'unsampled';
  return route.shadow?.captureLimitBytes ?? defaults.captureLimitBytes;
}

/**
 * Whether `onRequest` starts an early dry run for this announcement (a write served by legacy whose
 * body was captured); the shadow thread's host forwards only these.
 */
export function startsEarlyDryRun(announced: ObservedRequest): boolean {
  return (
    announced.serving === 'legacy' &&
    !SAFE_METHODS.has(announced.request.method.toUpperCase()) &&
    announced.request.body.kind === 'captured'
  );
}
