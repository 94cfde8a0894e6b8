/**
 * The routes module shadow-thread.test.ts hands the shadow thread: the application's real routes
 * (src/app-routes.ts) plus two that misbehave on purpose, built the same way on both threads.
 */
import { openNewDatabase } from '../../../../adapters/database.ts';
import { createAppRoutes } from '../../../app-routes.ts';
import { jsonResponse } from '../../../handlers/new-handler.ts';
import type { RouteRecord } from '../../../routing/route.ts';
import type { ShadowThreadRoutes } from '../shadow-thread.ts';

export interface ThreadTestRoutesOptions {
  /** The new database; undefined builds only the misbehaving routes (the proxy's side of the test). */
  readonly databaseUrl?: string;
}

/** Routes whose new handler never answers, or ends the thread it runs on. */
export function misbehavingRoutes(): RouteRecord[] {
  return [
    {
      id: 'thread-hang',
      methods: ['GET'],
      path: '/api/thread/hang',
      flag: 'strangler.thread-hang',
      // Ignores its signal: only the shadow call's own timeout frees the slot.
      handler: () => new Promise(() => undefined),
      stickiness: { kind: 'client-address' },
      shadow: { sampleRate: 1, captureLimitBytes: 64 * 1024, timeoutMs: 60_000 },
    },
    {
      id: 'thread-exit',
      methods: ['GET'],
      path: '/api/thread/exit',
      flag: 'strangler.thread-exit',
      handler: async () => {
        // In a worker thread this ends the thread, not the process.
        process.exit(3);
        return jsonResponse(500, {});
      },
      stickiness: { kind: 'client-address' },
    },
  ];
}

export function createShadowThreadRoutes(options: ThreadTestRoutesOptions): ShadowThreadRoutes {
  if (options.databaseUrl === undefined) return { routes: misbehavingRoutes() };
  const db = openNewDatabase(options.databaseUrl, { poolMax: 2 });
  return {
    routes: [...createAppRoutes(db, false), ...misbehavingRoutes()],
    close: () => db.destroy(),
  };
}
