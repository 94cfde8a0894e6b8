/** How a process stops on SIGTERM (docs/operations.md, "Shutdown and rolling restarts"). */
import type { EnvReader } from './env-reader.ts';

export interface ShutdownSettings {
  /**
   * SHUTDOWN_DELAY_MS: from the signal until the public listener stops accepting, while readiness
   * already answers 503, so the load balancer stops sending new connections first.
   */
  readonly delayMs: number;
  /** SHUTDOWN_TIMEOUT_MS: from then on, how long in-flight work may take before it is cut. */
  readonly timeoutMs: number;
}

export const DEFAULT_SHUTDOWN: ShutdownSettings = { delayMs: 5000, timeoutMs: 25_000 };

export function readShutdownSettings(r: EnvReader): ShutdownSettings {
  return {
    delayMs: r.int('SHUTDOWN_DELAY_MS', DEFAULT_SHUTDOWN.delayMs, 0, 600_000),
    timeoutMs: r.int('SHUTDOWN_TIMEOUT_MS', DEFAULT_SHUTDOWN.timeoutMs, 0, 3_600_000),
  };
}
