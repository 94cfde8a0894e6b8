import http from 'node:http';

import { closeListener } from './listener-close.ts';

/*
 * The public port's connections while it stops. From drain() on, every response whose headers are not
 * out yet carries `Connection: close`, so keep-alive clients move to another replica by themselves;
 * close() stops the listener, closes connections once they are idle, and cuts what is left at the
 * deadline. The server is built with `Response` as its response class, which gets its own writeHead
 * (node's implicit headers go through it too) once the drain starts: nothing is tracked or allocated
 * per request.
 *
 * Idle is node's own judgement (http.Server#closeIdleConnections): a connection between two requests.
 * One that has received a request's first byte, or was accepted and has not sent its first request
 * yet, is not idle, so a request that is arriving is served rather than cut. Connections become idle
 * at different times (a keep-alive response finishing after the listener closed), hence the sweep.
 */

const SWEEP_EVERY_MS = 25;

export class ConnectionDrain {
  #draining = false;
  /** The response class to build the server with (http.createServer's `ServerResponse` option). */
  readonly Response = class DrainingResponse extends http.ServerResponse {} as typeof http.ServerResponse;

  /** Responses from now on (and those whose headers are not out yet) close their connection. */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    // Until now the class was node's own, unchanged: serving pays nothing for the drain.
    const writeHead = http.ServerResponse.prototype.writeHead;
    const original = writeHead as (
      this: http.ServerResponse,
      a: unknown,
      b: unknown,
      c: unknown,
    ) => http.ServerResponse;
    // Three fixed parameters, as node's own writeHead reads them (a missing one is undefined either way).
    this.Response.prototype.writeHead = function (
      this: http.ServerResponse,
      a: unknown,
      b: unknown,
      c: unknown,
    ) {
      this.shouldKeepAlive = false;
      return original.call(this, a, b, c);
    } as typeof writeHead;
  }

  /**
   * Stops accepting and closes connections as they become idle; after `graceMs` calls `onCut` and
   * destroys what is still open. Resolves once every connection is gone.
   */
  async close(server: http.Server, graceMs: number, onCut: () => void): Promise<void> {
    this.drain();
    const closed = new Promise<void>((resolve) => {
      if (server.listening) closeListener(server, () => server.close(() => resolve()));
      else resolve();
    });
    const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_EVERY_MS);
    const cut = setTimeout(() => {
      onCut();
      server.closeAllConnections();
    }, graceMs);
    await closed;
    clearInterval(sweep);
    clearTimeout(cut);
  }
}
