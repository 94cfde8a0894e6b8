import type http from 'node:http';
import net from 'node:net';

/*
 * The public port's connections while it stops. From drain() on, every response not yet begun carries
 * `Connection: close`, so keep-alive clients move to another replica on their own; close() stops the
 * listener, closes connections as soon as they are idle, and cuts whatever is left at the deadline.
 *
 * Idle means no request in progress and not one byte received since the last response ended: a socket
 * that has started receiving a request is served (with `Connection: close`), never cut. node's own
 * closeIdleConnections() (which server.close() runs) also closes a connection that was just accepted and
 * whose request is on its way; so the listener is closed as a net.Server and idleness is judged here.
 */

/** How long a connection that has sent nothing at all may stay: its first request may be on its way. */
const FIRST_REQUEST_GRACE_MS = 1000;
const SWEEP_EVERY_MS = 25;

interface Connection {
  readonly openedAt: number;
  requests: number;
  inFlight: number;
  /** socket.bytesRead when its last response ended (0 before any). */
  bytesAtRest: number;
}

export class ConnectionDrain {
  readonly #server: http.Server;
  readonly #connections = new Map<net.Socket, Connection>();
  readonly #unanswered = new Set<http.ServerResponse>();
  #draining = false;

  constructor(server: http.Server) {
    this.#server = server;
    server.on('connection', (socket: net.Socket) => {
      this.#connections.set(socket, { openedAt: performance.now(), requests: 0, inFlight: 0, bytesAtRest: 0 });
      socket.once('close', () => this.#connections.delete(socket));
    });
    // Before the pipeline's own listener, so a request that arrives while draining is answered with close.
    server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const connection = this.#connections.get(req.socket);
      if (this.#draining) res.shouldKeepAlive = false;
      else this.#unanswered.add(res);
      if (connection !== undefined) {
        connection.requests += 1;
        connection.inFlight += 1;
      }
      res.once('close', () => {
        this.#unanswered.delete(res);
        if (connection === undefined) return;
        connection.inFlight -= 1;
        connection.bytesAtRest = req.socket.bytesRead;
      });
    });
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Responses from now on (and those whose headers are not out yet) close their connection. */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    for (const res of this.#unanswered) if (!res.headersSent) res.shouldKeepAlive = false;
    this.#unanswered.clear();
  }

  /**
   * Stops accepting, closes idle connections as they become idle, and destroys what is still open after
   * `graceMs` (calling `onCut` first). Resolves once every connection is gone.
   */
  async close(graceMs: number, onCut: () => void): Promise<void> {
    this.drain();
    const closed = new Promise<void>((resolve) => {
      if (!this.#server.listening) resolve();
      else net.Server.prototype.close.call(this.#server, () => resolve());
    });
    const sweep = setInterval(() => this.#closeIdle(), SWEEP_EVERY_MS);
    const cut = setTimeout(() => {
      onCut();
      for (const socket of this.#connections.keys()) socket.destroy();
    }, graceMs);
    this.#closeIdle();
    await closed;
    clearInterval(sweep);
    clearTimeout(cut);
    // node's own bookkeeping (its request-timeout timer) ends with http.Server#close; nothing is left to close.
    this.#server.close(() => undefined);
  }

  /** Connections still open (tests). */
  get open(): number {
    return this.#connections.size;
  }

  #closeIdle(): void {
    const now = performance.now();
    for (const [socket, connection] of this.#connections) {
      if (connection.inFlight > 0 || socket.bytesRead !== connection.bytesAtRest) continue;
      if (connection.requests === 0 && now - connection.openedAt < FIRST_REQUEST_GRACE_MS) continue;
      socket.destroy();
    }
  }
}
