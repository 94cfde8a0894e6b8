import type http from 'node:http';

import { closeListener } from './listener-close.ts';

/*
 * The public port's connections while it stops. From drain() on, every response whose headers are not
 * out yet carries `Connection: close`, so keep-alive clients move to another replica by themselves;
 * close() stops the listener, closes connections once they are idle, and cuts what is left at the
 * deadline.
 *
 * Idle is node's own judgement (http.Server#closeIdleConnections): a connection between two requests.
 * One that has received a request's first byte, or was accepted and has not sent its first request
 * yet, is not idle, so a request that is arriving is served rather than cut. Connections become idle
 * at different times (a keep-alive response finishing after the listener closed), hence the sweep.
 */

const SWEEP_EVERY_MS = 25;

export class ConnectionDrain {
  readonly #server: http.Server;
  readonly #unanswered = new Set<http.ServerResponse>();
  #draining = false;

  constructor(server: http.Server) {
    this.#server = server;
    // Before the pipeline's own listener, so a request that arrives while draining is answered with close.
    server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
      if (this.#draining) {
        res.shouldKeepAlive = false;
        return;
      }
      this.#unanswered.add(res);
      res.once('close', () => this.#unanswered.delete(res));
    });
  }

  /** Responses from now on (and those whose headers are not out yet) close their connection. */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    for (const res of this.#unanswered) if (!res.headersSent) res.shouldKeepAlive = false;
    this.#unanswered.clear();
  }

  /**
   * Stops accepting and closes connections as they become idle; after `graceMs` calls `onCut` and
   * destroys what is still open. Resolves once every connection is gone.
   */
  async close(graceMs: number, onCut: () => void): Promise<void> {
    this.drain();
    const server = this.#server;
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
