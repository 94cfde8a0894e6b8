import type { IncomingMessage } from 'node:http';

import { describe, expect, it } from '@jest/globals';

import { createSilentLogger } from '../../observability/logger.ts';
import type { RouteTable } from '../../routing/route.ts';
import { exchangeOf } from '../exchange.ts';
import { createMatch } from './match.ts';

function request(url: string, headers: Record<string, string> = {}): IncomingMessage {
  return { method: 'GET', url, headers } as unknown as IncomingMessage;
}

const noRoutes: RouteTable = { routes: [], match: () => undefined };

describe('match stage', () => {
  it('opens a catch-all exchange for a path no route claims, attached to the request', () => {
    const req = request('/api/reports/availability?squadId=x', { 'x-request-id': 'abc-123' });
    const { method, match, exchange } = createMatch(noRoutes, 30_000, createSilentLogger())(req);
    expect({ method, match }).toEqual({ method: 'GET', match: undefined });
    expect(exchange).toMatchObject({
      requestId: 'abc-123',
      route: 'catch-all',
      loggedPath: '/api/reports/availability',
      mode: 'legacy',
      target: 'legacy',
      legacyTimeoutMs: 30_000,
    });
    expect(exchangeOf(req)).toBe(exchange);
  });

  it('routes an absolute-form target by its path, with its authority as Host', () => {
    const seen: string[] = [];
    const routes: RouteTable = { routes: [], match: (_m, path) => (seen.push(path), undefined) };
    const req = request('http://api.example:8080/api/squads?x=1', { host: 'ignored.example' });
    createMatch(routes, 1000, createSilentLogger())(req);
    expect(seen).toEqual(['/api/squads']);
    expect(req.url).toBe('/api/squads?x=1');
    expect(req.headers.host).toBe('api.example:8080');
  });

  it('routes and forwards the path as Kestrel reads it, and marks a target Kestrel refuses', () => {
    const seen: string[] = [];
    const routes: RouteTable = { routes: [], match: (_m, path) => (seen.push(path), undefined) };
    const stage = createMatch(routes, 1000, createSilentLogger());
    const dotted = request('/api/x/%2E%2E/./squads?q=/../');
    expect(stage(dotted)).toMatchObject({ badTarget: false, exchange: { loggedPath: '/api/squads' } });
    expect(dotted.url).toBe('/api/squads?q=/../');
    const refused = request('/api\\squads');
    expect(stage(refused)).toMatchObject({ badTarget: true, match: undefined });
    expect(seen).toEqual(['/api/squads']);
  });

  it('serves legacy when the route table throws', () => {
    const broken: RouteTable = {
      routes: [],
      match: () => {
        throw new Error('matcher bug');
      },
    };
    expect(createMatch(broken, 1000, createSilentLogger())(request('/api/squads')).exchange.route).toBe(
      'catch-all',
    );
  });
});
