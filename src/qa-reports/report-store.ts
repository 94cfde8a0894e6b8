/**
 * What the QA pages, the JSON API and the export read and change. The PostgreSQL implementation is
 * in postgres-report-store.ts, over the shadow store's tables (schema `strangler`, src/shadow) and
 * this module's own rule and audit tables (qa-migrations.ts).
 */
import type { AcceptedDifference, AcceptedDifferences } from '../shadow/accepted-differences.ts';
import type { AcceptChoice } from './accept-rule.ts';
import type { RouteFigures } from './route-figures.ts';

export type GroupStatus = 'open' | 'accepted' | 'defect';
export const GROUP_STATUSES: readonly GroupStatus[] = ['open', 'accepted', 'defect'];

export interface TimeWindow {
  readonly from: Date;
  readonly to: Date;
}

/** A route's figures over a window (route-figures.ts says what each means) and its diff groups. */
export interface RouteStats extends RouteFigures {
  readonly routeId: string;
  readonly latency: LatencySummary;
  /** Groups seen in the window that nobody has decided on. */
  readonly openGroups: number;
  /** Groups seen in the window that QA marked as defects: open defects, still to be fixed. */
  readonly defectGroups: number;
  /** Why eligible requests were not compared in the window, most frequent first. */
  readonly notCompared: readonly NotCompared[];
}

export interface NotCompared {
  readonly outcome: 'skipped' | 'error' | 'dropped' | 'unsampled';
  /** A reason code (SHADOW_REASONS in src/shadow/store/shadow-store.ts), e.g. `capture-limit`. */
  readonly reason: string;
  readonly count: number;
}

export interface LatencySummary {
  readonly legacyP50Ms: number | null;
  readonly legacyP99Ms: number | null;
  readonly newP50Ms: number | null;
  readonly newP99Ms: number | null;
}

/** 5xx answers of each side in a window (estimated from the stored samples: store/postgres-server-errors.ts). */
export interface ServerErrors {
  readonly legacy: number;
  readonly new: number;
}

export interface MatchRatePoint {
  readonly at: Date;
  readonly compared: number;
  readonly matchRate: number | null;
}

export interface DiffEntry {
  readonly path: string;
  readonly kind: string;
  readonly legacy?: unknown;
  readonly new?: unknown;
}

export interface DiffGroup {
  readonly id: string;
  readonly routeId: string;
  readonly fingerprint: string;
  /** Differing paths with their kind, array indexes collapsed (e.g. `$.items[*].score changed`). */
  readonly paths: readonly DiffEntry[];
  readonly count: number;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  readonly status: GroupStatus;
  readonly statusNote: string | null;
  readonly statusLink: string | null;
  readonly statusBy: string | null;
  readonly statusAt: Date | null;
}

export interface CapturedMessage {
  readonly status?: number;
  readonly method?: string;
  readonly path?: string;
  /** Raw query string without `?` (requests only). */
  readonly query?: string;
  readonly headers: Readonly<Record<string, unknown>>;
  /** Parsed JSON when the body was JSON, otherwise the text (src/shadow/redact.ts StoredBody). */
  readonly body?: unknown;
}

export interface SampleSummary {
  readonly id: string;
  readonly groupId: string;
  readonly capturedAt: Date;
  readonly method: string;
  readonly path: string;
  readonly legacyStatus: number | null;
  readonly newStatus: number | null;
  /** What differs in this sample, with both sides' values: the group page shows them inline. */
  readonly diffs: readonly DiffEntry[];
}

/** Whom the new side answered: the verified caller's `sub` and organisation (never the token). */
export interface SampleCaller {
  readonly subject: string;
  readonly organisationId: string;
}

export interface Sample extends SampleSummary {
  readonly routeId: string;
  /** Null for an open route, a refused caller, or a sample stored before callers were kept. */
  readonly caller: SampleCaller | null;
  readonly request: CapturedMessage;
  readonly legacy: CapturedMessage;
  readonly new: CapturedMessage;
  readonly noise: readonly DiffEntry[];
}

export interface IgnoreRule {
  readonly id: string;
  readonly routeId: string;
  readonly groupId: string;
  readonly fingerprint: string;
  /** The accepted group's differing paths. */
  readonly paths: readonly string[];
  /** What is equivalent at each of them from now on, with the rule in words. */
  readonly equivalences: readonly (AcceptedDifference & { readonly words: string })[];
  readonly reason: string;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
}

export interface AuditEntry {
  readonly id: string;
  readonly at: Date;
  readonly actor: string;
  readonly role: string;
  readonly action: string;
  readonly routeId: string | null;
  readonly groupId: string | null;
  readonly ruleId: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Why a group is accepted, and what is equivalent from now on (accept-rule.ts). */
export interface AcceptDecision extends AcceptChoice {
  readonly reason: string;
}

/** Who makes a change: the name typed at sign-in (or the role for bearer-token API calls) and the role. */
export interface Actor {
  readonly name: string;
  readonly role: 'qa' | 'operator';
}

/**
 * What the shadow runner applies on top of a route's declared comparison rules
 * (src/shadow/accepted-differences.ts): the accepted groups' differences, each by kind and collapsed
 * path, which no longer count against the route, and the groups' fingerprints.
 */
export type AcceptedRules = AcceptedDifferences;

export interface ReportStore {
  routeStats(routeIds: readonly string[], window: TimeWindow): Promise<Map<string, RouteStats>>;
  matchRateSeries(routeId: string, window: TimeWindow, buckets: number): Promise<MatchRatePoint[]>;
  /** Each side's 5xx answers in the window, estimated from the stored samples (for the readiness verdict). */
  serverErrors(routeId: string, window: TimeWindow): Promise<ServerErrors>;
  listGroups(
    routeId: string,
    filter: { readonly window: TimeWindow; readonly status?: GroupStatus | undefined },
  ): Promise<DiffGroup[]>;
  getGroup(groupId: string): Promise<DiffGroup | undefined>;
  listSamples(groupId: string, limit: number): Promise<SampleSummary[]>;
  getSample(sampleId: string): Promise<Sample | undefined>;
  activeRules(routeId: string): Promise<IgnoreRule[]>;
  loadAcceptedRules(routeId: string): Promise<AcceptedRules>;
  /** Every route's active accepted rules in one query, for the runner's cache. */
  loadAllAcceptedRules(): Promise<Map<string, AcceptedRules>>;
  acceptGroup(groupId: string, decision: AcceptDecision, actor: Actor): Promise<IgnoreRule>;
  markDefect(groupId: string, note: string, link: string | null, actor: Actor): Promise<DiffGroup>;
  /** Operator only: the rule stops applying and its group is open again. */
  revokeRule(ruleId: string, reason: string, actor: Actor): Promise<IgnoreRule>;
  /** Operator only: removes a group and its samples (e.g. after a fix shipped). */
  deleteGroup(groupId: string, reason: string, actor: Actor): Promise<void>;
  auditLog(filter: { readonly routeId?: string | undefined; readonly limit: number }): Promise<AuditEntry[]>;
  /** A browser session signed out: refused from now on, on every replica, until it would have expired. */
  revokeSession(sessionId: string, expiresAt: Date, actor: Actor): Promise<void>;
  isSessionRevoked(sessionId: string): Promise<boolean>;
}
