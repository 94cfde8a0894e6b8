import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startTracing } from '../../src/observability/tracing-sdk.ts';
import {
  endHttpSpan,
  injectTraceContext,
  SpanKind,
  startChildSpan,
  startServerSpan,
  traceIdOf,
} from '../../src/observability/tracing.ts';

/**
 * The CPU a catch-all request's tracing costs, alone: the calls the stages make for one request
 * (server span from the client's headers, the `legacy` client span, its traceparent into the
 * outgoing headers, both ended with the status), in batches with a turn of the event loop between
 * them so the batch processor exports as it would (no span dropped), to an OTLP/HTTP sink in a child process (its CPU
 * is not counted). CPU is the whole process's (every thread), the median of the rounds.
 * Usage: node scripts/bench/measure-tracing-cost.ts [requests per round, 20000] [rounds, 5];
 * the standard OTEL_* variables apply (OTEL_TRACES_SAMPLER=always_on unless set).
 */
const SINK = `
  const server = require('node:http').createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
  process.on('disconnect', () => process.exit(0));
`;

async function startSink(): Promise<{ readonly url: string; readonly child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}`, child };
}

function simulatedRequest(i: number): void {
  const incoming: Record<string, string> = { host: 'bench', accept: 'application/json' };
  if (i % 2 === 0) incoming.traceparent = `00-${'0af7651916cd43dd8448eb211c80319c'}-b7ad6b7169203331-01`;
  const span = startServerSpan(incoming, 'GET');
  const legacy = startChildSpan(span, 'legacy', SpanKind.CLIENT);
  if (legacy !== undefined) injectTraceContext(legacy, incoming);
  if (legacy !== undefined) endHttpSpan(legacy, 200);
  if (span === undefined) return;
  span.setAttributes({
    'strangler.route': 'catch-all',
    'strangler.mode': 'legacy',
    'strangler.target': 'legacy',
  });
  endHttpSpan(span, 200);
  traceIdOf(span);
}

/** 50 requests every 10 ms at most: about the rate a traced replica serves, which its exports keep up with. */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 10));

async function round(requests: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < requests; i += 1) {
    simulatedRequest(i);
    if (i % 50 === 49) await turn();
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / requests;
}

if (import.meta.main) {
  const requests = Number(process.argv[2] ?? 20_000);
  const rounds = Number(process.argv[3] ?? 5);
  const sink = await startSink();
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = sink.url;
  process.env.OTEL_TRACES_SAMPLER ??= 'always_on';
  const sdk = await startTracing();
  await round(requests);
  const perRequest: number[] = [];
  for (let r = 0; r < rounds; r += 1) perRequest.push(await round(requests));
  await sdk?.shutdown();
  sink.child.disconnect();
  perRequest.sort((a, b) => a - b);
  const median = perRequest[Math.floor(perRequest.length / 2)] ?? Number.NaN;
  const all = perRequest.map((micros) => micros.toFixed(1)).join(' ');
  console.log(`tracing CPU per catch-all request: ${median.toFixed(1)} µs (rounds: ${all})`);
}
