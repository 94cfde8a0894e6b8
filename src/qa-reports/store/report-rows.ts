import { describeEquivalence, type AcceptedDifference } from '../../shadow/accepted-differences.ts';
import type {
  CapturedMessage,
  DiffEntry,
  DiffGroup,
  GroupStatus,
  IgnoreRule,
  SampleCaller,
  SampleSummary,
} from '../report-store.ts';

/*
 * Database rows to the report types. Stored requests and responses are attacker input: each field is
 * taken only when it has the expected type, never trusted to be what the shadow store wrote.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids arrive from URLs; anything but a UUID would make PostgreSQL fail the query instead of finding nothing. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function toGroup(row: {
  id: string;
  route_id: string;
  fingerprint: string;
  paths: { path: string; kind: string }[];
  count: string;
  first_seen: Date;
  last_seen: Date;
  status: string;
  note: string | null;
  link: string | null;
  decided_by: string | null;
  decided_at: Date | null;
}): DiffGroup {
  return {
    id: row.id,
    routeId: row.route_id,
    fingerprint: row.fingerprint,
    paths: row.paths.map((p) => ({ path: p.path, kind: p.kind })),
    count: Number(row.count),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    status: (row.status === 'accepted' || row.status === 'defect' ? row.status : 'open') as GroupStatus,
    statusNote: row.note,
    statusLink: row.link,
    statusBy: row.decided_by,
    statusAt: row.decided_at,
  };
}

export function toRule(row: {
  id: string;
  route_id: string;
  group_id: string;
  fingerprint: string;
  paths: string[];
  equivalences: AcceptedDifference[] | null;
  reason: string;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}): IgnoreRule {
  return {
    id: row.id,
    routeId: row.route_id,
    groupId: row.group_id,
    fingerprint: row.fingerprint,
    paths: row.paths,
    // A rule from before rules carried values ignores its paths, whatever the kind of difference.
    equivalences: (row.equivalences ?? row.paths.map((path) => ({ path, kind: 'any difference' }))).map(
      (e) => ({ ...e, words: describeEquivalence(e) }),
    ),
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    revokeReason: row.revoke_reason,
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function toCapturedMessage(value: unknown): CapturedMessage {
  const v = record(value);
  return {
    ...(typeof v.status === 'number' ? { status: v.status } : {}),
    ...(typeof v.method === 'string' ? { method: v.method } : {}),
    ...(typeof v.path === 'string' ? { path: v.path } : {}),
    ...(typeof v.query === 'string' && v.query !== '' ? { query: v.query } : {}),
    headers: record(v.headers),
    body: v.body,
  };
}

export function toDiffEntries(value: unknown): DiffEntry[] {
  if (!Array.isArray(value)) return [];
  return value.map((e: unknown) => {
    const v = record(e);
    return { path: String(v.path ?? ''), kind: String(v.kind ?? ''), legacy: v.legacy, new: v.new };
  });
}

/** The sample's caller when both columns were written, null otherwise. */
export function toSampleCaller(row: {
  caller_subject: string | null;
  caller_organisation_id: string | null;
}): SampleCaller | null {
  const { caller_subject: subject, caller_organisation_id: organisationId } = row;
  return subject === null || organisationId === null ? null : { subject, organisationId };
}

export function toSummary(row: {
  id: string;
  group_id: string;
  captured_at: Date;
  request: unknown;
  legacy: unknown;
  candidate: unknown;
  diffs: unknown;
}): SampleSummary {
  const request = toCapturedMessage(row.request);
  const query = record(row.request).query;
  return {
    id: row.id,
    groupId: row.group_id,
    capturedAt: row.captured_at,
    method: request.method ?? '',
    path: `${request.path ?? ''}${typeof query === 'string' && query !== '' ? `?${query}` : ''}`,
    legacyStatus: toCapturedMessage(row.legacy).status ?? null,
    newStatus: toCapturedMessage(row.candidate).status ?? null,
    diffs: toDiffEntries(row.diffs),
  };
}
