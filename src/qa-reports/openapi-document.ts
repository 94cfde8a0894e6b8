/**
 * OpenAPI 3.1 description of the QA reports' JSON API, served at GET /openapi.json.
 * openapi-document.test.ts calls every path and method listed here, so the document cannot drift
 * from the router.
 */
import { OPENAPI_PATHS } from './openapi-paths.ts';
import { OPENAPI_SCHEMAS } from './openapi-schemas.ts';

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
  paths: OPENAPI_PATHS,
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_QA_TOKEN or ADMIN_OPERATOR_TOKEN' },
      session: { type: 'apiKey', in: 'cookie', name: '__Host-strangler-qa' },
    },
    schemas: OPENAPI_SCHEMAS,
  },
};
