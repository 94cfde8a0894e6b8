import type { Mode, Target } from '../src/routing/route.ts';

/** Everything a flag evaluation may look at for one request. */
export interface FlagContext {
  /** Stable caller id from the route's stickiness key; canary buckets on it. */
  readonly stickinessId: string;
  readonly remoteAddress?: string;
}

/** Result of evaluating a route's flag for one request. */
export interface ModeDecision {
  /** The route's mode: legacy | shadow | canary | new. */
  readonly mode: Mode;
  /** Which side serves this request. */
  readonly serve: Target;
  /** Shadow sample rate override from the flag variant's payload, if any (0..1). */
  readonly sampleRate?: number;
}

/**
 * Turns the flag `strangler.<route-id>` into a decision. Implementations never throw: a missing or
 * broken flag, an unknown variant or a flag-source outage all resolve to legacy or the last known flags.
 */
export interface FlagResolver {
  decide(flagName: string, context: FlagContext): ModeDecision;
  /** The route's current mode for display and the strangler_route_mode gauge. */
  currentMode(flagName: string): Mode;
  /** `strangler.kill-switch` is on: every route goes to legacy and shadowing stops. */
  killSwitchOn(): boolean;
  /** Flags have been loaded at least once (from the server, the backup or the file). */
  isReady(): boolean;
  stop(): Promise<void>;
}

export const KILL_SWITCH_FLAG = 'strangler.kill-switch';
