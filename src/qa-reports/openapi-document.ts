/**
 * OpenAPI 3.1 description of the QA reports' JSON API, served at GET /openapi.json.
 * openapi-document.test.ts calls every path and method listed here, so the document cannot drift
 * from the router.
 */
import { SHADOW_REASONS } from '../shadow/store/shadow-store.ts';

const window = [
  {
    name: 'window',
    in: 'query',
    schema: { type: 'string', enum: ['15m', '1h', '24h', '7d', '14d'], default: '24h' },
  },
  {
    name: 'from',
    in: 'query',
    schema: { type: 'string', format: 'date-time' },
    description: 'Overrides window',
  },
  { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
];
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = {
  '400': { description: 'Invalid input', ...json(ref('Error')) },
  '401': { description: 'No or unknown bearer token / session', ...json(ref('Error')) },
  '403': {
    description: 'Role not allowed, or missing CSRF token on a cookie session',
    ...json(ref('Error')),
  },
  '404': { description: 'Not found', ...json(ref('Error')) },
  '429': {
    description:
      'Too many wrong tokens from this address (10 in 5 minutes): refused until Retry-After seconds have passed',
    headers: { 'Retry-After': { schema: { type: 'integer' } } },
    // The admin port's one answer for a blocked address, whichever API it asked: RFC 9457.
    content: { 'application/problem+json': { schema: ref('Problem') } },
  },
};
const reasonBody = (field: string, extra: Record<string, unknown> = {}) => ({
  required: true,
  ...json({
    type: 'object',
    required: [field],
    properties: { [field]: { type: 'string', maxLength: 2000 }, ...extra },
  }),
});

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'strangler QA diff reports',
    version: '1.0.0',
    description:
      'Shadow comparison reports on the admin port. Roles: `qa` (read, accept, mark defect) and `operator` ' +
      '(everything, including revoking rules and deleting groups). Send `Authorization: Bearer <token>`; ' +
      'browser sessions (cookie from /reports/login) must also send `X-CSRF-Token` on changes.',
  },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }, { session: [] }],
  paths: {
    '/api/reports/session': {
      get: {
        summary: 'Who is calling, and the CSRF token of a browser session',
        responses: {
          '200': { description: 'Caller', ...json(ref('Session')) },
          '401': errors['401'],
          '429': errors['429'],
        },
      },
    },
    '/api/reports/routes': {
      get: {
        summary:
          'Every route: mode, traffic, match rate (noise excluded), open groups, latency, match rate over time',
        parameters: window,
        responses: {
          '200': {
            description: 'Overview',
            ...json({
              type: 'object',
              properties: { window: ref('Window'), routes: { type: 'array', items: ref('RouteOverview') } },
            }),
          },
          '400': errors['400'],
          '401': errors['401'],
          '429': errors['429'],
        },
      },
    },
    '/api/reports/routes/{routeId}': {
      get: {
        summary: "One route's diff groups (filtered by window and status) and active ignore rules",
        parameters: [
          pathParam('routeId'),
          ...window,
          { name: 'status', in: 'query', schema: { type: 'string', enum: ['open', 'accepted', 'defect'] } },
        ],
        responses: { '200': { description: 'Route report', ...json(ref('RouteReport')) }, ...errors },
      },
    },
    '/api/reports/routes/{routeId}/rules': {
      get: {
        summary: "The route's active accepted-difference rules, as the comparison applies them",
        parameters: [pathParam('routeId')],
        responses: {
          '200': {
            description: 'Rules',
            ...json({
              type: 'object',
              properties: {
                rules: { type: 'array', items: ref('IgnoreRule') },
                accepted: ref('AcceptedRules'),
              },
            }),
          },
          ...errors,
        },
      },
    },
    '/api/reports/groups/{groupId}': {
      get: {
        summary: 'A diff group and its kept samples',
        parameters: [pathParam('groupId')],
        responses: {
          '200': {
            description: 'Group',
            ...json({
              type: 'object',
              properties: {
                group: ref('DiffGroup'),
                samples: { type: 'array', items: ref('SampleSummary') },
              },
            }),
          },
          ...errors,
        },
      },
      delete: {
        summary: 'Operator only: delete a group and its samples',
        parameters: [pathParam('groupId')],
        requestBody: reasonBody('reason'),
        responses: { '204': { description: 'Deleted' }, ...errors },
      },
    },
    '/api/reports/groups/{groupId}/accept': {
      post: {
        summary: 'Accept a difference: its paths become an ignore rule for later comparisons',
        parameters: [pathParam('groupId')],
        requestBody: reasonBody('reason'),
        responses: {
          '201': {
            description: 'Rule created',
            ...json({ type: 'object', properties: { rule: ref('IgnoreRule') } }),
          },
          '409': { description: 'Already accepted', ...json(ref('Error')) },
          ...errors,
        },
      },
    },
    '/api/reports/groups/{groupId}/defect': {
      post: {
        summary: 'Mark a difference as a defect with a note and optional link',
        parameters: [pathParam('groupId')],
        requestBody: reasonBody('note', { link: { type: 'string', format: 'uri' } }),
        responses: {
          '200': {
            description: 'Updated group',
            ...json({ type: 'object', properties: { group: ref('DiffGroup') } }),
          },
          ...errors,
        },
      },
    },
    '/api/reports/samples/{sampleId}': {
      get: {
        summary: 'A sample: request and both responses (redacted), differences and noise',
        parameters: [pathParam('sampleId')],
        responses: {
          '200': {
            description: 'Sample',
            ...json({ type: 'object', properties: { sample: ref('Sample') } }),
          },
          ...errors,
        },
      },
    },
    '/api/reports/rules/{ruleId}/revoke': {
      post: {
        summary: 'Operator only: revoke an accepted difference; its group is open again',
        parameters: [pathParam('ruleId')],
        requestBody: reasonBody('reason'),
        responses: {
          '200': {
            description: 'Revoked rule',
            ...json({ type: 'object', properties: { rule: ref('IgnoreRule') } }),
          },
          '409': { description: 'Already revoked', ...json(ref('Error')) },
          ...errors,
        },
      },
    },
    '/api/reports/export': {
      get: {
        summary:
          'Sign-off report for chosen routes and window, as a download (same as scripts/diff-report.ts)',
        parameters: [
          {
            name: 'routes',
            in: 'query',
            schema: { type: 'string' },
            description: 'Comma-separated route ids; all when absent',
          },
          ...window,
          {
            name: 'format',
            in: 'query',
            schema: { type: 'string', enum: ['html', 'csv', 'json'], default: 'html' },
          },
        ],
        responses: {
          '200': {
            description: 'The report file (Content-Disposition: attachment)',
            content: {
              'text/html': { schema: { type: 'string' } },
              'text/csv': { schema: { type: 'string' } },
              'application/json': { schema: { type: 'object' } },
            },
          },
          ...errors,
        },
      },
    },
    '/api/reports/audit': {
      get: {
        summary: 'Audit log of every change, newest first',
        parameters: [
          { name: 'routeId', in: 'query', schema: { type: 'string' } },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        ],
        responses: {
          '200': {
            description: 'Entries',
            ...json({ type: 'object', properties: { entries: { type: 'array', items: ref('AuditEntry') } } }),
          },
          '400': errors['400'],
          '401': errors['401'],
          '429': errors['429'],
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_QA_TOKEN or ADMIN_OPERATOR_TOKEN' },
      session: { type: 'apiKey', in: 'cookie', name: '__Host-strangler-qa' },
    },
    schemas: {
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
          total: { type: 'integer' },
          match: { type: 'integer' },
          mismatch: { type: 'integer' },
          noise: { type: 'integer' },
          error: { type: 'integer' },
          skipped: { type: 'integer' },
          matchRate: {
            type: ['number', 'null'],
            description: '(match + noise-only) / (match + noise-only + mismatch)',
          },
          openGroups: { type: 'integer' },
          notCompared: {
            type: 'array',
            description: 'Why comparisons were skipped or ended in error in the window, most frequent first',
            items: {
              type: 'object',
              properties: {
                outcome: { type: 'string', enum: ['skipped', 'error'] },
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
            },
          },
        ],
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
              request: ref('CapturedMessage'),
              legacy: ref('CapturedMessage'),
              new: ref('CapturedMessage'),
              diffs: { type: 'array', items: ref('DiffEntry') },
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
          reason: { type: 'string' },
          createdBy: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
          revokedAt: { type: ['string', 'null'], format: 'date-time' },
          revokedBy: { type: ['string', 'null'] },
          revokeReason: { type: ['string', 'null'] },
        },
      },
      AcceptedRules: {
        type: 'object',
        properties: {
          differences: {
            type: 'array',
            description: 'each accepted difference by kind and path (array positions as [*])',
            items: {
              type: 'object',
              properties: { path: { type: 'string' }, kind: { type: 'string' } },
              required: ['path', 'kind'],
            },
          },
          fingerprints: { type: 'array', items: { type: 'string' } },
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
    },
  },
} as const;
