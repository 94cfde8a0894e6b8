/**
 * Misbehaving clients for the soak, over raw sockets: slow-header clients send a request's headers
 * one byte a second and never finish them; slow-body clients send complete headers declaring a body
 * and then that body one byte a second. Each reconnects a second after strangler cuts it, so the
 * number of them holding a connection stays at `count` for the whole run.
 */
import net from 'node:net';

export type SlowKind = 'slow-header' | 'slow-body';
export const SLOW_KINDS: readonly SlowKind[] = ['slow-header', 'slow-body'];

export interface SlowStats {
  /** Connections opened. */
  opened: number;
  /** Closed by the other side with no response. */
  cut: number;
  /** Responses by status (a 408, say), each followed by a reconnect. */
  readonly answered: Record<string, number>;
  /** How long each closed connection was held, in milliseconds. */
  readonly heldMs: number[];
}

export interface SlowClientOptions {
  readonly port: number;
  /** Clients of each kind. */
  readonly count: number;
  readonly token: string;
  /** Where the slow bodies are posted: a route in `legacy`, so they would hold legacy connections. */
  readonly bodyPath: string;
}

export interface SlowClients {
  readonly stats: Readonly<Record<SlowKind, SlowStats>>;
  stop(): void;
}

const DECLARED_BODY_BYTES = 100_000;

function opening(kind: SlowKind, options: SlowClientOptions): { head: string; byte: (n: number) => string } {
  if (kind === 'slow-header') {
    return { head: '', byte: (n) => 'GET /api/squads HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '[n] ?? 'a' };
  }
  const head =
    `POST ${options.bodyPath} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\n` +
    `Authorization: Bearer ${options.token}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${DECLARED_BODY_BYTES}\r\n\r\n`;
  return { head, byte: (n) => (n === 0 ? '{' : ' ') };
}

export function startSlowClients(options: SlowClientOptions): SlowClients {
  const fresh = (): SlowStats => ({ opened: 0, cut: 0, answered: {}, heldMs: [] });
  const stats: Record<SlowKind, SlowStats> = { 'slow-header': fresh(), 'slow-body': fresh() };
  const sockets = new Set<net.Socket>();
  let stopped = false;

  const connect = (kind: SlowKind): void => {
    if (stopped) return;
    const { head, byte } = opening(kind, options);
    const socket = net.connect(options.port, '127.0.0.1');
    const openedAt = performance.now();
    let answer = '';
    let sent = 0;
    let ticker: NodeJS.Timeout | undefined;
    sockets.add(socket);
    stats[kind].opened += 1;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (head !== '') socket.write(head);
      ticker = setInterval(() => {
        if (sent < DECLARED_BODY_BYTES) socket.write(byte(sent++));
      }, 1000);
    });
    socket.on('data', (chunk: Buffer) => {
      if (answer.length < 64) answer += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(ticker);
      sockets.delete(socket);
      if (stopped) return;
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
      if (status === undefined) stats[kind].cut += 1;
      else stats[kind].answered[status] = (stats[kind].answered[status] ?? 0) + 1;
      stats[kind].heldMs.push(performance.now() - openedAt);
      setTimeout(() => connect(kind), 1000);
    });
  };

  for (const kind of SLOW_KINDS) for (let i = 0; i < options.count; i += 1) connect(kind);
  return {
    stats,
    stop() {
      stopped = true;
      for (const socket of sockets) socket.destroy();
    },
  };
}
