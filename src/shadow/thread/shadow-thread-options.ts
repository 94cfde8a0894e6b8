/*
 * What the proxy's thread hands the shadow thread when it starts it (src/shadow-thread-worker.ts reads
 * it as workerData), and the counters the two threads share.
 */
import type { TokenVerifierSettings } from '../../identity/token-verifier.ts';
import type { HostHeaderMode } from '../../proxy/forward-headers.ts';
import type { RouteRecord } from '../../routing/route.ts';
import type { ShadowTuning } from '../start-shadow.ts';

/** Indexes into the counters the two threads share. */
export const COUNTER_RECEIVED = 0;
export const COUNTER_PENDING = 1;

/**
 * CPU priority of the shadow thread on Linux: `idle` (SCHED_IDLE, so any proxy work that wakes up
 * preempts it at once) or a nice value 0–19.
 */
export type ShadowThreadPriority = 'idle' | number;

/** What a routes module gives the shadow thread: the same route records the proxy serves. */
export interface ShadowThreadRoutes {
  readonly routes: readonly RouteRecord[];
  /** Closes what the records use (their database pool). */
  close?(): Promise<void>;
}

/**
 * The module (a file URL) whose export builds the shadow thread's routes, and the options passed to
 * it (structured-cloneable). The proxy's route records cannot cross threads: they hold handlers.
 */
export interface ShadowThreadRoutesModule {
  readonly module: string;
  /** Default `createShadowThreadRoutes`. */
  readonly exportName?: string;
  readonly options?: unknown;
}

export interface ShadowThreadOptions {
  readonly routes: ShadowThreadRoutesModule;
  /** The proxy's PostgreSQL (DATABASE_URL): the shadow store and QA's accepted rules. Migrated already. */
  readonly databaseUrl: string;
  readonly legacyUrl: URL;
  readonly hostHeader: HostHeaderMode;
  /** The callers' issuer (StartShadowOptions.auth); the thread builds its own verifier from it. */
  readonly auth?: TokenVerifierSettings;
  /** The shadow thread's own logger (JSON lines on stdout); silent when undefined. */
  readonly logLevel?: string;
  /**
   * CPU priority of the shadow thread on Linux (default `idle`): `idle` puts it under SCHED_IDLE with
   * `chrt` (util-linux), so the proxy's thread preempts it the moment it wakes up, falling back to
   * nice 19 where chrt is missing; a number is a nice value (0 leaves the thread alone). A niced thread
   * may keep the CPU for the rest of its time slice (up to a few ms) when the proxy wakes up.
   */
  readonly priority?: ShadowThreadPriority;
  /** Load QA's accepted rules (default true). */
  readonly acceptedRules?: boolean;
  readonly shadow?: ShadowTuning;
  /** How often the shadow thread sends its metric updates (default 250 ms). */
  readonly metricsIntervalMs?: number;
}

/** workerData of src/shadow-thread-worker.ts. */
export interface ShadowThreadData extends Omit<ShadowThreadOptions, 'legacyUrl' | 'priority'> {
  readonly legacyUrl: string;
  readonly priority: ShadowThreadPriority;
  readonly counters: SharedArrayBuffer;
}
