import type { RouteRecord, RouteTable } from './route.ts';
import { createMatcher } from './route-matcher.ts';
import type { CompiledRoute } from './route-matcher.ts';
import { RouteValidationError } from './route-validation-error.ts';
import { validateRecord } from './route-validation.ts';

/*
 * Matching rules (chosen to agree with the legacy ASP.NET Core app, so a route claims exactly the
 * requests legacy would have routed to the same action):
 * - Literal segments compare ASCII case-insensitively (ASP.NET Core routing is case-insensitive for
 *   literals); parameter values keep their case.
 * - One trailing slash is tolerated (`/api/athletes/` matches `/api/athletes`), as ASP.NET Core's
 *   routing does by design (aspnet/Mvc#5757). Empty segments elsewhere (`/api//athletes`) never
 *   match, as in ASP.NET Core (dotnet/aspnetcore#22809).
 * - Segments are compared percent-decoded as Kestrel decodes them (decode-segment.ts): `%2F` stays
 *   encoded exactly as ASP.NET Core leaves it in route values (dotnet/aspnetcore#30655, #11544), and a
 *   malformed escape stays as sent, so a new handler sees the id legacy's controller saw.
 * - The path given is already normalised as Kestrel reads it (normalise-target.ts): dot segments
 *   removed, a target Kestrel refuses never reaches the table.
 * - HEAD does not match a GET route: ASP.NET Core's MapGet does not add HEAD either, so legacy keeps
 *   answering HEAD exactly as before.
 * - The most specific template wins: more literal segments first, then the template whose first
 *   literal comes earlier; ties cannot match the same path (equivalent templates are rejected).
 * - Nothing matched → undefined → the catch-all proxies to legacy.
 */

/**
 * Validates every record (all problems at once), deep-freezes them and compiles the templates.
 * @throws RouteValidationError listing every problem.
 */
export function createRouteTable(records: readonly RouteRecord[]): RouteTable {
  const problems: string[] = [];
  const compiled: CompiledRoute[] = [];
  const seen = { ids: new Map<string, number>(), claimed: new Map<string, string>() };
  records.forEach((record, index) => {
    const segments = validateRecord(record, index, seen, problems);
    if (segments === undefined) return;
    compiled.push({
      route: record,
      order: index,
      literals: segments.map((s) => ('literal' in s ? s.literal : undefined)),
      params: segments.map((s) => ('param' in s ? s.param : undefined)),
      literalCount: segments.filter((s) => 'literal' in s).length,
    });
  });
  if (problems.length > 0) throw new RouteValidationError(problems);
  for (const record of records) deepFreeze(record);
  return Object.freeze({ routes: Object.freeze([...records]), match: createMatcher(compiled) });
}

/**
 * Freezes the record and its plain data (arrays, plain objects). Handlers, class instances and
 * RegExps inside comparison rules are left alone: freezing them would break their own state.
 */
function deepFreeze(value: unknown, seen = new Set<object>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return;
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key], seen);
}
