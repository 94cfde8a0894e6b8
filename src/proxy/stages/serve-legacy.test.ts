import type { IncomingMessage, ServerResponse } from 'node:http';

import { describe, expect, it, jest } from '@jest/globals';

import type { UploadGate } from '../upload-gate.ts';
import { openExchange } from './match.ts';
import { createServeLegacy } from './serve-legacy.ts';

/** A gate that has received `body` whole. */
function gateWith(body: string): UploadGate & { receive: jest.Mock } {
  return { receive: jest.fn(async () => ({ kind: 'complete', bytes: Buffer.from(body) })) } as never;
}

function request(headers: Record<string, string>): IncomingMessage {
  return { headers, socket: { remoteAddress: '127.0.0.9' } } as unknown as IncomingMessage;
}

function response(): ServerResponse & { head?: [number, Record<string, string>] } {
  const res = {
    shouldKeepAlive: true,
    writeHead(status: number, headers: Record<string, string>) {
      res.head = [status, headers];
      return res;
    },
    end: jest.fn(),
  } as unknown as ServerResponse & { head?: [number, Record<string, string>] };
  return res;
}

describe('serve-legacy stage', () => {
  it("forwards with the forwarding headers and legacy's Host", () => {
    const forward = jest.fn();
    const serve = createServeLegacy({
      forwarder: { forward },
      rewriteHost: 'legacy:5080',
      legacyMaxBodyBytes: 100,
      gate: gateWith(''),
      bufferBytes: 10,
    });
    const req = request({ host: 'api.example' });
    const exchange = openExchange('req-1', '/api/squads', 1000);
    serve(req, response(), exchange);
    expect(forward).toHaveBeenCalledTimes(1);
    expect(req.headers).toMatchObject({
      host: 'legacy:5080',
      'x-forwarded-host': 'api.example',
      'x-request-id': 'req-1',
    });
    expect(exchange.target).toBe('legacy');
  });

  it("answers a declared body over legacy's limit as Kestrel does, without contacting legacy", () => {
    const forward = jest.fn();
    const serve = createServeLegacy({
      forwarder: { forward },
      rewriteHost: undefined,
      legacyMaxBodyBytes: 100,
      gate: gateWith(''),
      bufferBytes: 10,
    });
    const res = response();
    serve(request({ 'content-length': '101' }), res, openExchange('req-2', '/api/athletes', 1000));
    expect(forward).not.toHaveBeenCalled();
    expect(res.head).toEqual([413, { 'content-length': '0', connection: 'close' }]);
    expect(res.shouldKeepAlive).toBe(false);
  });

  it('leaves every body to legacy when the limit is 0, once the gate has received it', async () => {
    const forward = jest.fn();
    const gate = gateWith('abc');
    const serve = createServeLegacy({
      forwarder: { forward },
      rewriteHost: undefined,
      legacyMaxBodyBytes: 0,
      gate,
      bufferBytes: 10,
    });
    const exchange = openExchange('req-3', '/x', 1000);
    serve(request({ 'content-length': '999999999' }), response(), exchange);
    expect(forward).not.toHaveBeenCalled();
    await gate.receive.mock.results[0]?.value;
    await new Promise(setImmediate);
    expect(forward).toHaveBeenCalledTimes(1);
    expect(gate.receive.mock.calls[0]?.[3]).toMatchObject({ limit: 10, refuseDeclaredOverLimit: false });
    expect(exchange.legacyBody).toBeDefined();
  });
});
