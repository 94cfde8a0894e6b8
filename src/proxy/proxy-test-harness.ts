import http from 'node:http';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FlagResolver } from '../../flags/flag-resolver.ts';
import type { HostHeaderMode } from './forward-headers.ts';
import { createSilentLogger } from '../observability/logger.ts';
import type { Logger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { RouteRecord, RouteTable } from '../routing/route.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import type { LegacyEngine } from './legacy-forwarder.ts';
import { createPublicServer } from './public-server.ts';
import type { PublicServer, PublicServerDeps } from './public-server.ts';

/*
 * Test support for the proxy suites: a real node:http upstream standing in for legacy and a real
 * public server in front of it, both on random 127.0.0.1 ports.
 */

export interface Upstream {
  readonly url: URL;
  readonly server: http.Server;
  close(): Promise<void>;
}

export async function startUpstream(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  onUpgrade?: (req: IncomingMessage, socket: import('node:net').Socket, head: Buffer) => void,
): Promise<Upstream> {
  const server = http.createServer(handler);
  if (onUpgrade !== undefined) server.on('upgrade', onUpgrade);
  await listen(server);
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    server,
    close: () => closeServer(server),
  };
}

export interface Proxy {
  readonly url: URL;
  readonly port: number;
  readonly publicServer: PublicServer;
  readonly metrics: Metrics;
  close(): Promise<void>;
}

export async function startProxy(options: {
  legacyUrl: URL;
  routes?: readonly RouteRecord[];
  flags?: FlagResolver;
  hostHeader?: HostHeaderMode;
  legacyTimeoutMs?: number;
  logger?: Logger;
  /** Forwarding engine under test; the production default when omitted. */
  engine?: LegacyEngine;
  extra?: Partial<PublicServerDeps>;
}): Promise<Proxy> {
  const metrics = createMetrics({ defaultMetrics: false });
  const publicServer = createPublicServer({
    config: {
      legacyUrl: options.legacyUrl,
      legacyTimeoutMs: options.legacyTimeoutMs ?? 5000,
      hostHeader: options.hostHeader ?? 'rewrite',
    },
    routes: simpleRouteTable(options.routes ?? []),
    flags: options.flags ?? createFakeFlagResolver(),
    metrics,
    logger: options.logger ?? createSilentLogger(),
    shutdownGraceMs: 500,
    ...(options.engine === undefined ? {} : { legacyEngine: options.engine }),
    ...options.extra,
  });
  await listen(publicServer.server);
  const port = (publicServer.server.address() as AddressInfo).port;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    port,
    publicServer,
    metrics,
    close: () => publicServer.close(),
  };
}

/**
 * A deliberately small RouteTable (exact literals, `{name}` parameters) so these suites test the
 * proxy and not the real matcher in src/routing.
 */
export function simpleRouteTable(routes: readonly RouteRecord[]): RouteTable {
  return {
    routes,
    match(method, rawPath) {
      const segments = rawPath.split('/');
      for (const route of routes) {
        if (!route.methods.includes(method as RouteRecord['methods'][number])) continue;
        const template = route.path.split('/');
        if (template.length !== segments.length) continue;
        const params: Record<string, string> = {};
        const matched = template.every((part, i) => {
          const segment = segments[i] ?? '';
          if (part.startsWith('{') && part.endsWith('}')) {
            params[part.slice(1, -1)] = decodeURIComponent(segment);
            return segment !== '';
          }
          return part === segment;
        });
        if (matched) return { route, params };
      }
      return undefined;
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: Buffer;
}

/** One request on its own connection, headers exactly as given (no client-side normalisation). */
export function request(
  url: URL,
  options: {
    method?: string;
    path?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: Buffer | string;
    /** The client's address, e.g. 127.0.0.2 (Linux routes all of 127/8 to lo): another client. */
    localAddress?: string;
  } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers:
          options.body === undefined || options.headers?.['transfer-encoding'] !== undefined
            ? options.headers
            : { 'content-length': Buffer.byteLength(options.body), ...options.headers },
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Writes raw bytes in one packet and reads until the server closes the connection (or `waitMs` pass):
 * for framing and pipelining, which a client library would normalise away.
 */
export function exchangeRaw(url: URL, request: string, waitMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(request));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    setTimeout(() => socket.destroy(), waitMs).unref();
  });
}

/** The status lines of every response in a raw answer. */
export function statusLines(answer: string): string[] {
  return answer.match(/HTTP\/1\.1 \d+ [^\r]*/g) ?? [];
}

/** A stream to give createLogger: every JSON line written to it is parsed and pushed onto `lines`. */
export function jsonLinesInto(lines: Record<string, unknown>[]): PassThrough {
  const stream = new PassThrough();
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      lines.push(JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  });
  return stream;
}

/** Calls `then` with a request's whole body once it has been read (for upstreams that record requests). */
export function onWholeBody(req: IncomingMessage, then: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => then(Buffer.concat(chunks)));
}

export function listen(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The value of a counter or gauge sample with exactly these labels (0 when absent). */
export async function metricValue(
  metrics: Metrics,
  name: string,
  labels: Readonly<Record<string, string>>,
): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  const sample = data.values.find((value) =>
    Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
  );
  return sample?.value ?? 0;
}
