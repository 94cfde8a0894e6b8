import http from 'node:http';

/*
 * A client that behaves as a load balancer's upstream client does: keep-alive connections, and one
 * retry only when the request never left: the connection was refused, or it failed before a single byte
 * of the request was written on it. A request that was written, even partly, is never sent again (a
 * write must not be applied twice), so any error after that counts as a failure.
 */

export interface LbRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface LbOutcome {
  /** Undefined: no response at all (the error is in `error`). */
  readonly status: number | undefined;
  readonly error?: string;
  /** Times the request was sent again because it had not left. */
  readonly retries: number;
}

const MAX_RETRIES = 3;
const TIMEOUT_MS = 30_000;

export class LbClient {
  // A small pool used round robin, as a load balancer's upstream pool: every connection carries a
  // request every few hundred milliseconds, so none sits idle through a replica's drain.
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 4, scheduling: 'fifo' });
  readonly #origin: URL;

  constructor(origin: URL) {
    this.#origin = origin;
  }

  async send(request: LbRequest): Promise<LbOutcome> {
    for (let retries = 0; ; retries += 1) {
      const attempt = await this.#once(request);
      if (attempt.kind === 'answered') return { status: attempt.status, retries };
      if (attempt.kind === 'failed' || retries >= MAX_RETRIES) {
        return { status: undefined, error: attempt.error, retries };
      }
    }
  }

  close(): void {
    this.#agent.destroy();
  }

  #once(
    request: LbRequest,
  ): Promise<
    | { kind: 'answered'; status: number }
    | { kind: 'not sent'; error: string }
    | { kind: 'failed'; error: string }
  > {
    return new Promise((resolve) => {
      let writtenBefore: number | undefined;
      const req = http.request(
        {
          host: this.#origin.hostname,
          port: this.#origin.port,
          method: request.method,
          path: request.path,
          headers: {
            ...request.headers,
            ...(request.body === undefined ? {} : { 'content-length': Buffer.byteLength(request.body) }),
          },
          agent: this.#agent,
          timeout: TIMEOUT_MS,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ kind: 'answered', status: res.statusCode ?? 0 }));
          res.on('error', (error) => resolve({ kind: 'failed', error: `response: ${error.message}` }));
        },
      );
      // A reused socket has carried earlier requests: only bytes beyond those are this request's.
      req.on('socket', (socket) => (writtenBefore = socket.bytesWritten));
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (error: NodeJS.ErrnoException) => {
        const written = req.socket === null ? 0 : req.socket.bytesWritten - (writtenBefore ?? 0);
        const neverLeft = error.code === 'ECONNREFUSED' || (writtenBefore !== undefined && written === 0);
        resolve({ kind: neverLeft ? 'not sent' : 'failed', error: `${error.code ?? ''} ${error.message}` });
      });
      req.end(request.body);
    });
  }
}
