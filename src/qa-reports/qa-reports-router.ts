import express, { type Router } from 'express';
import { mountApi } from './router/api-routes.ts';
import { mountAudit } from './router/audit-routes.ts';
import { createAuthenticate, createOperatorOnly } from './router/authenticate.ts';
import { mountDecisions } from './router/decision-routes.ts';
import { mountErrorResponses } from './router/error-responses.ts';
import { mountExport } from './router/export-routes.ts';
import { mountPages } from './router/page-routes.ts';
import { createQaRouterContext, type QaReportsRouterDeps } from './router/qa-router-context.ts';
import { mountSessionRoutes, mountSignIn } from './router/session-routes.ts';
import { mountStatic } from './router/static-routes.ts';
import { securityHeaders } from './security-headers.ts';

export type { QaReportsRouterDeps } from './router/qa-router-context.ts';

/*
 * The QA diff reports: pages under /reports, their JSON API under /api/reports and the API's OpenAPI
 * document at /openapi.json. Mounted on the admin port (src/main.ts), never the public one. One
 * module per part, under router/, mounted in this order on one router:
 *
 *   static      stylesheet and OpenAPI document, no sign-in          router/static-routes.ts
 *   sign-in     the login form and its post                          router/session-routes.ts
 *   authenticate  bearer token or session cookie, CSRF for changes   router/authenticate.ts
 *   session     sign-out, and the API's "who am I"                   router/session-routes.ts
 *   pages       overview, route, diff group, sample                  router/page-routes.ts
 *   export      the sign-off report, for browser and API             router/export-routes.ts
 *   audit       every change, as a page and from the API             router/audit-routes.ts
 *   decisions   accept, mark defect, revoke, delete (forms and API)  router/decision-routes.ts
 *   api         the JSON API's reads                                 router/api-routes.ts
 *   errors      unknown API paths, and errors as JSON or a page      router/error-responses.ts
 *
 * What they share (store, clock, session key, the route by id) is router/qa-router-context.ts; who is
 * asking is router/principal.ts; what a form or body may carry is router/request-input.ts.
 */
export function createQaReportsRouter(deps: QaReportsRouterDeps): Router {
  const router = express.Router();
  const ctx = createQaRouterContext(deps);
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });
  const json = express.json({ limit: '16kb' });
  const authenticate = createAuthenticate(ctx);

  router.use(['/reports', '/api/reports', '/openapi.json'], securityHeaders);
  mountStatic(router);
  mountSignIn(router, ctx, form);
  router.use('/api/reports', json, authenticate);
  router.use('/reports', form, authenticate);
  mountSessionRoutes(router, ctx);
  mountPages(router, ctx);
  mountExport(router, ctx);
  mountAudit(router, ctx);
  mountDecisions(router, ctx, createOperatorOnly(ctx));
  mountApi(router, ctx);
  mountErrorResponses(router, ctx.logger);
  return router;
}
