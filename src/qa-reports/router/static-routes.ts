import type { Router } from 'express';
import { OPENAPI_DOCUMENT } from '../openapi-document.ts';
import { REPORTS_CSS } from '../reports-css.ts';

/** What needs no sign-in: the pages' stylesheet (the CSP allows no inline style) and the API's description. */
export function mountStatic(router: Router): void {
  router.get('/reports/static/reports.css', (_req, res) => {
    res.type('text/css').send(REPORTS_CSS);
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(OPENAPI_DOCUMENT);
  });
}
