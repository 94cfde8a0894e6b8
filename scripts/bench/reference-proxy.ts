/**
 * Reference points for the bench, not strangler: `node` is the least a node:http proxy can do
 * (http.request over a keep-alive agent, pipe both ways, no header handling); `hpm-express` is
 * http-proxy-middleware 4 mounted in express 5 with its default options, the starting point the
 * issue measured at ~3.5k req/s; `undici` is the least a node:http server with an undici client can do
 * (Pool.dispatch, response written straight from undici's callbacks, no header handling, no logging
 * or metrics), the floor for strangler's undici engine; `undici-forwarding` is that floor with the
 * forwarding headers every proxy in front of legacy must add (and nothing else strangler does).
 * Usage: node reference-proxy.ts <node|undici|undici-forwarding|hpm-express|hpm-bare> <legacy URL> [port]
 * Like strangler-server.ts, it binds with SO_REUSEPORT so the bench can run it as N replicas.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

const kind = process.argv[2];
const legacyUrl = new URL(process.argv[3] ?? 'http://127.0.0.1:1');
const port = Number(process.argv[4] ?? 0);

function nodeProxy(): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  return http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: legacyUrl.hostname,
        port: legacyUrl.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
}

/**
 * `forwarding` adds what every proxy in front of legacy must: X-Forwarded-For, -Proto and -Host and an
 * X-Request-Id to legacy, the id on the response too (the `undici-forwarding` reference).
 */
function undiciProxy(forwarding: boolean): http.Server {
  const pool = new Pool(legacyUrl.origin, { connections: 512, keepAliveTimeout: 30_000 });
  return http.createServer((req, res) => {
    const bodyless =
      req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;
    const headers: http.IncomingHttpHeaders = {
      ...req.headers,
      connection: undefined,
      'transfer-encoding': undefined,
    };
    const requestId = forwarding ? randomUUID() : undefined;
    if (requestId !== undefined) {
      headers['x-forwarded-for'] = req.socket.remoteAddress;
      headers['x-forwarded-proto'] = 'http';
      headers['x-forwarded-host'] = req.headers.host;
      headers['x-request-id'] = requestId;
    }
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {
        // Nothing to set up: this floor never cancels.
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        const out = responseHeaders as http.OutgoingHttpHeaders;
        if (requestId !== undefined) out['x-request-id'] = requestId;
        res.writeHead(statusCode, out);
      },
      onResponseData(controller, chunk) {
        if (!res.write(chunk)) {
          controller.pause();
          res.once('drain', () => controller.resume());
        }
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError() {
        res.destroy();
      },
    };
    pool.dispatch(
      {
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers,
        body: bodyless ? null : req,
      },
      handler,
    );
  });
}

function hpmExpress(): http.Server {
  const app = express();
  app.use(createProxyMiddleware({ target: legacyUrl.href }));
  return http.createServer(app);
}

function hpmBare(): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const proxy = createProxyMiddleware({
    target: legacyUrl,
    agent,
    ejectPlugins: true,
    plugins: [(server) => server.on('error', () => undefined)],
  });
  return http.createServer((req, res) => void proxy(req, res));
}

const server =
  kind === 'node'
    ? nodeProxy()
    : kind === 'undici' || kind === 'undici-forwarding'
      ? undiciProxy(kind === 'undici-forwarding')
      : kind === 'hpm-bare'
        ? hpmBare()
        : hpmExpress();
server.listen({ port, host: '127.0.0.1', reusePort: true }, () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
