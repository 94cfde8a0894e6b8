import { EQUIVALENCES } from '../shadow/accepted-differences.ts';
import { SHADOW_REASONS } from '../shadow/store/shadow-store.ts';
import { ref } from './openapi-parts.ts';

/** The QA API's response bodies, by name (`#/components/schemas/<name>`). */
export const OPENAPI_SCHEMAS = {
  Error: {
    type: 'object',
    required: ['error', 'message'],
    properties: {
      error: { type: 'string' },
      message: { type: 'string' },
      problems: { type: 'array', items: { type: 'string' } },
    },
  },
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details',
    required: ['title', 'status'],
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
    },
  },
  Session: {
    type: 'object',
    properties: {
      role: { type: 'string', enum: ['qa', 'operator'] },
      actor: { type: 'string' },
      csrfToken: { type: ['string', 'null'] },
    },
  },
  Window: {
    type: 'object',
    properties: {
      from: { type: 'string', format: 'date-time' },
      to: { type: 'string', format: 'date-time' },
    },
  },
  RouteStats: {
    type: 'object',
    properties: {
      routeId: { type: 'string' },
      compared: { type: 'integer', description: 'match + noise-only + sync-lag + accepted + mismatch' },
      total: { type: 'integer', description: 'compared + error + skipped' },
      eligible: { type: 'integer', description: 'total + dropped + unsampled' },
      effectiveSampleRate: { type: ['number', 'null'], description: 'compared / eligible' },
      match: { type: 'integer' },
      accepted: { type: 'integer', description: 'mismatches whose diff group QA accepted since' },
      mismatch: { type: 'integer', description: 'mismatches nobody accepted (open and defect groups)' },
      noise: { type: 'integer' },
      syncLag: {
        type: 'integer',
        description: 'reads that differed only until the dual-write sync had caught up (they agree)',
      },
      error: { type: 'integer' },
      skipped: { type: 'integer' },
      dropped: { type: 'integer' },
      unsampled: { type: 'integer' },
      matchRate: {
        type: ['number', 'null'],
        description: '(match + noise-only + sync-lag + accepted) / compared',
      },
      openGroups: { type: 'integer' },
      defectGroups: { type: 'integer', description: 'groups marked as defects: open defects' },
      notCompared: {
        type: 'array',
        description: 'Why eligible requests were not compared in the window, most frequent first',
        items: {
          type: 'object',
          properties: {
            outcome: { type: 'string', enum: ['skipped', 'error', 'dropped', 'unsampled'] },
            reason: { type: 'string', enum: Object.keys(SHADOW_REASONS) },
            count: { type: 'integer' },
          },
        },
      },
      latency: {
        type: 'object',
        properties: {
          legacyP50Ms: { type: ['number', 'null'] },
          legacyP99Ms: { type: ['number', 'null'] },
          newP50Ms: { type: ['number', 'null'] },
          newP99Ms: { type: ['number', 'null'] },
        },
      },
    },
  },
  MatchRatePoint: {
    type: 'object',
    properties: {
      at: { type: 'string', format: 'date-time' },
      compared: { type: 'integer' },
      matchRate: { type: ['number', 'null'] },
    },
  },
  RouteOverview: {
    type: 'object',
    properties: {
      routeId: { type: 'string' },
      methods: { type: 'array', items: { type: 'string' } },
      path: { type: 'string' },
      mode: { type: 'string', enum: ['legacy', 'shadow', 'canary', 'new'] },
      stats: ref('RouteStats'),
      series: { type: 'array', items: ref('MatchRatePoint') },
    },
  },
  RouteReport: {
    allOf: [
      ref('RouteOverview'),
      {
        type: 'object',
        properties: {
          window: ref('Window'),
          groups: { type: 'array', items: ref('DiffGroup') },
          rules: { type: 'array', items: ref('IgnoreRule') },
          readiness: ref('Readiness'),
        },
      },
    ],
  },
  Readiness: {
    type: 'object',
    description:
      "Whether the window's evidence allows the route's next mode (legacy → shadow → canary → new)",
    properties: {
      mode: { type: 'string', enum: ['legacy', 'shadow', 'canary', 'new'] },
      nextMode: { type: ['string', 'null'], enum: ['shadow', 'canary', 'new', null] },
      ready: { type: 'boolean' },
      reasons: {
        type: 'array',
        items: { type: 'string' },
        description: 'Why not, one sentence each, e.g. "3 unexplained mismatches"',
      },
      evidence: {
        type: 'object',
        properties: {
          compared: { type: 'integer' },
          attempted: { type: 'integer', description: 'compared + error + skipped' },
          eligible: { type: 'integer' },
          effectiveSampleRate: { type: ['number', 'null'] },
          unexplainedMismatches: { type: 'integer', description: 'mismatches no accepted rule covers' },
          openDefects: { type: 'integer' },
          legacy: ref('ReadinessSide'),
          new: ref('ReadinessSide'),
        },
      },
      thresholds: {
        type: 'object',
        description: 'READINESS_* in the configuration',
        properties: {
          minComparisons: { type: 'integer' },
          maxMismatchRate: { type: 'number' },
          maxErrorRate: { type: 'number' },
          maxP99Ratio: { type: 'number' },
          maxOpenDefects: { type: 'integer' },
        },
      },
    },
  },
  ReadinessSide: {
    type: 'object',
    properties: {
      errors: {
        type: 'integer',
        description: '5xx answers (estimated from the stored samples) and failures',
      },
      errorRate: { type: ['number', 'null'], description: 'errors / attempted' },
      p99Ms: { type: ['number', 'null'] },
    },
  },
  DiffEntry: {
    type: 'object',
    properties: { path: { type: 'string' }, kind: { type: 'string' }, legacy: {}, new: {} },
  },
  DiffGroup: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      routeId: { type: 'string' },
      fingerprint: { type: 'string' },
      paths: { type: 'array', items: ref('DiffEntry') },
      count: { type: 'integer' },
      firstSeen: { type: 'string', format: 'date-time' },
      lastSeen: { type: 'string', format: 'date-time' },
      status: { type: 'string', enum: ['open', 'accepted', 'defect'] },
      statusNote: { type: ['string', 'null'] },
      statusLink: { type: ['string', 'null'] },
      statusBy: { type: ['string', 'null'] },
      statusAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  SampleSummary: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      groupId: { type: 'string' },
      capturedAt: { type: 'string', format: 'date-time' },
      method: { type: 'string' },
      path: { type: 'string' },
      legacyStatus: { type: ['integer', 'null'] },
      newStatus: { type: ['integer', 'null'] },
      diffs: { type: 'array', items: ref('DiffEntry') },
    },
  },
  CapturedMessage: {
    type: 'object',
    properties: {
      status: { type: 'integer' },
      method: { type: 'string' },
      path: { type: 'string' },
      headers: { type: 'object' },
      body: {},
    },
  },
  Sample: {
    allOf: [
      ref('SampleSummary'),
      {
        type: 'object',
        properties: {
          routeId: { type: 'string' },
          caller: {
            type: ['object', 'null'],
            description:
              'the verified caller the new side answered; null for an open route or a refused caller',
            properties: { subject: { type: 'string' }, organisationId: { type: 'string' } },
          },
          request: ref('CapturedMessage'),
          legacy: ref('CapturedMessage'),
          new: ref('CapturedMessage'),
          noise: { type: 'array', items: ref('DiffEntry') },
        },
      },
    ],
  },
  IgnoreRule: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      routeId: { type: 'string' },
      groupId: { type: 'string' },
      fingerprint: { type: 'string' },
      paths: { type: 'array', items: { type: 'string' } },
      equivalences: { type: 'array', items: ref('AcceptedDifference') },
      reason: { type: 'string' },
      createdBy: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      revokedAt: { type: ['string', 'null'], format: 'date-time' },
      revokedBy: { type: ['string', 'null'] },
      revokeReason: { type: ['string', 'null'] },
    },
  },
  AcceptedDifference: {
    type: 'object',
    description: 'one accepted difference and what counts as equal there',
    properties: {
      path: { type: 'string' },
      kind: { type: 'string' },
      equivalence: { type: 'string', enum: [...EQUIVALENCES], description: 'absent: ignore-member' },
      legacy: { description: 'exact: the legacy value accepted' },
      new: { description: 'exact: the new value accepted' },
      tolerance: { type: 'number' },
      words: { type: 'string', description: 'the rule in words (rules only)' },
    },
    required: ['path', 'kind'],
  },
  AcceptedRules: {
    type: 'object',
    properties: {
      differences: {
        type: 'array',
        description: 'each accepted difference by kind and path (array positions as [*])',
        items: ref('AcceptedDifference'),
      },
      fingerprints: {
        type: 'array',
        items: { type: 'string' },
        description: 'groups accepted whole, before rules carried values',
      },
    },
  },
  AuditEntry: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      at: { type: 'string', format: 'date-time' },
      actor: { type: 'string' },
      role: { type: 'string' },
      action: { type: 'string' },
      routeId: { type: ['string', 'null'] },
      groupId: { type: ['string', 'null'] },
      ruleId: { type: ['string', 'null'] },
      detail: { type: 'object' },
    },
  },
};
