/**
 * The demo's planted bugs: deliberate differences between the new handlers and legacy, so the QA
 * reports have something to review (README.md, "Five-minute walkthrough"). Only `npm start`'s demo
 * applies them, to the route records both threads build (plantDifferences, and the shadow thread's
 * routes module below); production handlers and the contract tests see the routes as declared.
 *
 * Each difference lands on its own read route, so each makes one diff group of one difference:
 *  - `squad-athletes-list`: the position "Centre Back" comes back as "centre back" (a lookup table
 *    stored in lower case): expected, accepted as "equal ignoring case";
 *  - `wellness-list`: `EntryDate` carries seven zero fraction digits (`…T00:00:00.0000000`, .NET's
 *    round-trip format) for the same midnight: expected, accepted as "equal as instants";
 *  - `squads-list`: an organisation with more than one squad loses its last squad (an off-by-one):
 *    a real defect.
 */
import type { HandlerResponse, NewHandler } from '../../src/handlers/new-handler.ts';
import type { RouteRecord } from '../../src/routing/route.ts';
import {
  createShadowThreadRoutes as createAppShadowThreadRoutes,
  type AppShadowRoutesOptions,
} from '../../src/app-routes.ts';
import type { ShadowThreadRoutes } from '../../src/shadow/thread/shadow-thread.ts';

type JsonRows = Record<string, unknown>[];

/** How each planted route's JSON array answer is changed. */
export const PLANTED_DIFFERENCES: Readonly<Record<string, (rows: JsonRows) => JsonRows>> = {
  'squad-athletes-list': (rows) =>
    rows.map((row) => (row.Position === 'Centre Back' ? { ...row, Position: 'centre back' } : row)),
  'wellness-list': (rows) =>
    rows.map((row) =>
      typeof row.EntryDate === 'string' && row.EntryDate.endsWith('T00:00:00')
        ? { ...row, EntryDate: `${row.EntryDate}.0000000` }
        : row,
    ),
  'squads-list': (rows) => (rows.length > 1 ? rows.slice(0, -1) : rows),
};

/** The records with the planted differences in their handlers; every other record unchanged. */
export function plantDifferences(records: readonly RouteRecord[]): RouteRecord[] {
  return records.map((record) => {
    const plant = PLANTED_DIFFERENCES[record.id];
    return plant === undefined ? record : { ...record, handler: changedRows(record.handler, plant) };
  });
}

/** The shadow thread's routes module in the demo: the application's routes with the planted differences. */
export function createShadowThreadRoutes(options: AppShadowRoutesOptions): ShadowThreadRoutes {
  const app = createAppShadowThreadRoutes(options);
  return { ...app, routes: plantDifferences(app.routes) };
}

export const PLANTED_SHADOW_ROUTES_MODULE = new URL(import.meta.url).href;

function changedRows(handler: NewHandler, plant: (rows: JsonRows) => JsonRows): NewHandler {
  return async (request) => {
    const response = await handler(request);
    if (response.status !== 200 || response.body === undefined) return response;
    const rows = parseKeepingNumbers(response.body.toString());
    return Array.isArray(rows) ? withBody(response, JSON.stringify(plant(rows as JsonRows))) : response;
  };
}

type Reviver = (key: string, value: unknown, context: { source?: string }) => unknown;
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** JSON.parse that keeps every number's text (`3.0` stays `3.0`), as the handlers wrote it. */
function parseKeepingNumbers(text: string): unknown {
  const keep: Reviver = (_key, value, context) =>
    typeof value === 'number' && context.source !== undefined ? rawJson(context.source) : value;
  return JSON.parse(text, keep as (key: string, value: unknown) => unknown);
}

function withBody(response: HandlerResponse, body: string): HandlerResponse {
  return { ...response, body: Buffer.from(body, 'utf8') };
}
