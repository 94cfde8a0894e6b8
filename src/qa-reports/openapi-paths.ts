import { EQUIVALENCES } from '../shadow/accepted-differences.ts';
import {
  changeOperation,
  errors,
  json,
  objectResponse,
  pathParam,
  readErrors,
  ref,
  window,
} from './openapi-parts.ts';

/** The QA API's operations, by path. */
export const OPENAPI_PATHS = {
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
        '200': objectResponse('Overview', {
          window: ref('Window'),
          routes: { type: 'array', items: ref('RouteOverview') },
        }),
        ...readErrors,
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
        '200': objectResponse('Rules', {
          rules: { type: 'array', items: ref('IgnoreRule') },
          accepted: ref('AcceptedRules'),
        }),
        ...errors,
      },
    },
  },
  '/api/reports/groups/{groupId}': {
    get: {
      summary: 'A diff group and its kept samples',
      parameters: [pathParam('groupId')],
      responses: {
        '200': objectResponse('Group', {
          group: ref('DiffGroup'),
          samples: { type: 'array', items: ref('SampleSummary') },
        }),
        ...errors,
      },
    },
    delete: changeOperation({
      summary: 'Operator only: delete a group and its samples',
      target: 'groupId',
      field: 'reason',
      responses: { '204': { description: 'Deleted' } },
    }),
  },
  '/api/reports/groups/{groupId}/accept': {
    post: changeOperation({
      summary:
        'Accept a difference: a rule says what is equivalent at its paths from now on (default: exactly the values of its newest sample)',
      target: 'groupId',
      field: 'reason',
      extraFields: {
        equivalence: { type: 'string', enum: [...EQUIVALENCES], default: 'exact' },
        tolerance: {
          type: 'number',
          minimum: 0,
          description: 'for numeric: the largest difference accepted',
        },
      },
      responses: {
        '201': objectResponse('Rule created', { rule: ref('IgnoreRule') }),
        '409': { description: 'Already accepted', ...json(ref('Error')) },
      },
    }),
  },
  '/api/reports/groups/{groupId}/defect': {
    post: changeOperation({
      summary: 'Mark a difference as a defect with a note and optional link',
      target: 'groupId',
      field: 'note',
      extraFields: { link: { type: 'string', format: 'uri' } },
      responses: { '200': objectResponse('Updated group', { group: ref('DiffGroup') }) },
    }),
  },
  '/api/reports/samples/{sampleId}': {
    get: {
      summary: 'A sample: request and both responses (redacted), differences and noise',
      parameters: [pathParam('sampleId')],
      responses: { '200': objectResponse('Sample', { sample: ref('Sample') }), ...errors },
    },
  },
  '/api/reports/rules/{ruleId}/revoke': {
    post: changeOperation({
      summary: 'Operator only: revoke an accepted difference; its group is open again',
      target: 'ruleId',
      field: 'reason',
      responses: {
        '200': objectResponse('Revoked rule', { rule: ref('IgnoreRule') }),
        '409': { description: 'Already revoked', ...json(ref('Error')) },
      },
    }),
  },
  '/api/reports/export': {
    get: {
      summary: 'Sign-off report for chosen routes and window, as a download (same as scripts/diff-report.ts)',
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
        '200': objectResponse('Entries', { entries: { type: 'array', items: ref('AuditEntry') } }),
        ...readErrors,
      },
    },
  },
};
