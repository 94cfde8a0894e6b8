import { describe, expect, it } from '@jest/globals';

import { createLogger, flushLogs } from '../../observability/logger.ts';
import { createMetrics } from '../../observability/metrics.ts';
import { jsonLinesInto, metricValue } from '../proxy-test-harness.ts';
import { createAccount } from './account.ts';
import { openExchange } from './match.ts';

describe('account stage', () => {
  it('counts the request by route, target, mode and status, and logs one line with the masked path', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const lines: Record<string, unknown>[] = [];
    const account = createAccount(metrics, createLogger('info', jsonLinesInto(lines)));
    const exchange = {
      ...openExchange('req-1', '/api/athletes/x', 1000),
      route: 'athletes-get',
      target: 'new' as const,
      mode: 'canary' as const,
    };
    account(exchange, 'GET', 200, performance.now());
    account(exchange, 'GET', 200, performance.now());
    const labels = { route: 'athletes-get', target: 'new', mode: 'canary', status: '200' };
    expect(await metricValue(metrics, 'strangler_requests_total', labels)).toBe(2);
    flushLogs();
    expect(lines[0]).toMatchObject({
      message: 'request',
      requestId: 'req-1',
      route: 'athletes-get',
      mode: 'canary',
      target: 'new',
      method: 'GET',
      path: '/api/athletes/x',
      status: 200,
    });
  });
});
