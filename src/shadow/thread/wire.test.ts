import { describe, expect, it } from '@jest/globals';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { ObservedExchange, ObservedRequest } from '../../proxy/exchange-observer.ts';
import type { RouteRecord } from '../../routing/route.ts';
import { exchangeFromWire, exchangeToWire, requestFromWire, requestToWire } from './wire.ts';

const route = { id: 'athletes-get' } as RouteRecord;

/** Sends a value through a real MessagePort (structured clone and transfer, as to the shadow thread). */
async function across<T>(value: T, transfer: ArrayBuffer[]): Promise<T> {
  const { port1, port2 } = new MessageChannel();
  try {
    const received = new Promise<T>((resolve) => (port2 as MessagePort).once('message', resolve));
    port1.postMessage(value, transfer);
    return await received;
  } finally {
    port1.close();
    port2.close();
  }
}

const exchange: ObservedExchange = {
  observationId: 7,
  requestId: 'req-1',
  match: { route, params: { id: '0b7c2a18-9d3e-4f51-8a6b-1c2d3e4f5a6b' } },
  decision: { mode: 'shadow', serve: 'legacy', sampleRate: 0.5 },
  served: 'legacy',
  fellBack: false,
  request: {
    method: 'PUT',
    url: '/api/athletes/0b7c2a18-9d3e-4f51-8a6b-1c2d3e4f5a6b?x=%2F&x=',
    headers: { 'content-type': 'application/json', cookie: 'a=1', 'x-forwarded-for': '10.0.0.1' },
    // A small Buffer cut from Node's shared pool, like a captured chunk.
    body: { kind: 'captured', bytes: Buffer.from('{"FirstName":"Ada"}') },
  },
  response: {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'set-cookie': ['a=1', 'b=2'] },
    body: { kind: 'over-cap', bytes: 2_000_000 },
    complete: true,
  },
  durationMs: 12.5,
};

describe('what crosses to the shadow thread', () => {
  it('carries an exchange through a message port unchanged, the route named by id', async () => {
    const transfer: ArrayBuffer[] = [];
    const wire = exchangeToWire(exchange, transfer);
    expect(wire.routeId).toBe('athletes-get');
    const back = exchangeFromWire(await across(wire, transfer), route);
    expect(back).toEqual(exchange);
    expect(Buffer.isBuffer((back.request.body as { bytes: Buffer }).bytes)).toBe(true);
  });

  it("carries the verified caller's subject and organisation, and nothing else of the principal", async () => {
    const caller = { subject: 'coach-1', organisationId: '0c6f9f9e-3a0b-4e55-9d7e-2f1f5c1d0a01' };
    const verified = { ...exchange, served: 'new' as const, caller: { ...caller, scopes: new Set(['x']) } };
    const back = exchangeFromWire(await across(exchangeToWire(verified, []), []), route);
    expect(back.caller).toEqual(caller);
  });

  it('transfers each captured body in a buffer of its own size, never the shared pool slab', async () => {
    const pooled = exchange.request.body as { bytes: Buffer };
    expect(pooled.bytes.buffer.byteLength).toBeGreaterThan(pooled.bytes.length);
    const transfer: ArrayBuffer[] = [];
    const wire = exchangeToWire(exchange, transfer);
    expect(transfer.map((buffer) => buffer.byteLength)).toEqual([pooled.bytes.length]);
    await across(wire, transfer);
    // Transferred: gone from this side, while the exchange's own capture is untouched.
    expect(transfer[0]?.byteLength).toBe(0);
    expect(pooled.bytes.toString()).toBe('{"FirstName":"Ada"}');
  });

  it('carries an announced request the same way', async () => {
    const announced: ObservedRequest = {
      observationId: 8,
      requestId: 'req-2',
      match: exchange.match,
      decision: exchange.decision,
      serving: 'legacy',
      request: exchange.request,
    };
    const transfer: ArrayBuffer[] = [];
    const back = requestFromWire(await across(requestToWire(announced, transfer), transfer), route);
    expect(back).toEqual(announced);
  });
});
