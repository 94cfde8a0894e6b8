/**
 * The route scripts/bench-compare.ts --latency shadows, built the same way on the proxy's thread and
 * (as a routes module, see src/shadow/thread/shadow-thread.ts) on the shadow thread: the new side
 * answers with legacy's document re-serialised, a realistic in-process handler without a database.
 */
import { jsonResponse } from '../../src/handlers/new-handler.ts';
import type { RouteRecord } from '../../src/routing/route.ts';
import type { ShadowThreadRoutes } from '../../src/shadow/thread/shadow-thread.ts';

export interface BenchRouteOptions {
  readonly legacyUrl: string;
  /** The route's shadow sample rate: 1 compares every request (the routes' default), the worst case. */
  readonly sampleRate: number;
}

export async function createBenchRoute(options: BenchRouteOptions): Promise<RouteRecord> {
  const document = JSON.parse(await (await fetch(options.legacyUrl)).text()) as unknown;
  return {
    id: 'bench-items',
    methods: ['GET'],
    path: '/api/items',
    flag: 'strangler.bench-items',
    handler: async () => jsonResponse(200, document),
    stickiness: { kind: 'client-address' },
    shadow: { sampleRate: options.sampleRate, captureLimitBytes: 256 * 1024, timeoutMs: 5000 },
  };
}

export async function createShadowThreadRoutes(options: BenchRouteOptions): Promise<ShadowThreadRoutes> {
  return { routes: [await createBenchRoute(options)] };
}
