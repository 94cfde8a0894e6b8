import type { IncomingMessage } from 'node:http';

import { describe, expect, it } from '@jest/globals';

import { createSilentLogger } from '../../observability/logger.ts';
import type { RouteRecord } from '../../routing/route.ts';
import { createFakeFlagResolver } from '../../testing/fake-flag-resolver.ts';
import { createDecide } from './decide.ts';

const route = {
  id: 'athletes-get',
  flag: 'strangler.athletes-get',
  stickiness: { kind: 'header', name: 'X-Tenant-Id' },
} as unknown as RouteRecord;

function request(headers: Record<string, string> = {}): IncomingMessage {
  return { headers, socket: { remoteAddress: '127.0.0.9' } } as unknown as IncomingMessage;
}

describe('decide stage', () => {
  it("serves the side the route's flag names, asked with the caller's stickiness id", () => {
    const flags = createFakeFlagResolver({ 'strangler.athletes-get': 'new' });
    const decide = createDecide(flags, createSilentLogger());
    expect(decide(route, request({ 'x-tenant-id': 'tenant-a' }))).toEqual({ mode: 'new', serve: 'new' });
    expect(flags.contexts).toEqual([{ stickinessId: 'tenant-a', remoteAddress: '127.0.0.9' }]);
  });

  it('is legacy under the kill switch, for a resolver that throws, and for an answer it does not know', () => {
    const flags = createFakeFlagResolver({ 'strangler.athletes-get': 'new' });
    const decide = createDecide(flags, createSilentLogger());
    flags.setKillSwitch(true);
    expect(decide(route, request())).toEqual({ mode: 'legacy', serve: 'legacy' });
    flags.setKillSwitch(false);
    flags.breakWith(new Error('unleash exploded'));
    expect(decide(route, request())).toEqual({ mode: 'legacy', serve: 'legacy' });
    flags.breakWith(undefined);
    flags.set('strangler.athletes-get', { mode: 'new', serve: 'elsewhere' } as never);
    expect(decide(route, request())).toEqual({ mode: 'legacy', serve: 'legacy' });
  });
});
