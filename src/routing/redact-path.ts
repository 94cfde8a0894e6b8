import type { RouteRecord } from './route.ts';

/** What a masked path segment reads as (the shadow store's mask too). */
export const PATH_SEGMENT_MASK = '[REDACTED]';

const positionsByRoute = new WeakMap<RouteRecord, readonly number[]>();

/**
 * Where a route's `redactPathParams` sit in its template: `/api/users/{email}/orders` with `['email']`
 * gives `[2]` (0 is the first segment after the leading `/`). Names compare case-insensitively, as
 * templates declare them. Worked out once per (immutable) route record.
 */
export function redactedSegmentsOf(route: RouteRecord): readonly number[] {
  let positions = positionsByRoute.get(route);
  if (positions === undefined) {
    positions = templateParamPositions(route.path, route.redactPathParams ?? []);
    positionsByRoute.set(route, positions);
  }
  return positions;
}

export function templateParamPositions(template: string, names: readonly string[]): number[] {
  if (names.length === 0) return [];
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const positions: number[] = [];
  template
    .slice(1)
    .split('/')
    .forEach((segment, position) => {
      if (segment.startsWith('{') && segment.endsWith('}') && wanted.has(segment.slice(1, -1).toLowerCase()))
        positions.push(position);
    });
  return positions;
}

/** The path (as received, percent-encoded) with the segments at `positions` masked. */
export function maskPathSegments(path: string, positions: readonly number[]): string {
  if (positions.length === 0 || !path.startsWith('/')) return path;
  const segments = path.slice(1).split('/');
  for (const position of positions) if (position < segments.length) segments[position] = PATH_SEGMENT_MASK;
  return `/${segments.join('/')}`;
}
