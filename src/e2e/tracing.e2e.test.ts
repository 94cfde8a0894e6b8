import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rm } from 'node:fs/promises';

import { DEMO_ORGANISATIONS } from '../../scripts/demo/demo-organisations.ts';
import { editFlags } from './flags-file.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.ts';
import { demoWorkDir, startStrangler, type StranglerProcess } from './strangler-process.ts';
import { eventually } from '../testing/eventually.ts';

/*
 * Traces end to end: `npm start` as a child process exporting over OTLP/HTTP (JSON) to a receiver this
 * test runs, with a route on legacy, one on its new handler, one shadowed and a synced write on new.
 * Each request carries the client's own W3C traceparent; the spans received must continue it and form
 * the tree docs/operations.md ("Traces") describes.
 */

const STEP_MS = 120_000;
const HARBOUR = DEMO_ORGANISATIONS[0]!;

let workDir: string;
let strangler: StranglerProcess;
let receiver: OtlpReceiver;
let caller: Record<string, string>;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  let dataDir: string;
  let flagsFile: string;
  ({ workDir, dataDir, flagsFile } = await demoWorkDir('strangler-tracing-'));
  await editFlags(flagsFile, {
    'strangler.squads-list': { enabled: false },
    'strangler.athletes-list': { enabled: true },
    'strangler.athletes-get': { enabled: true, variants: ['shadow'] },
    'strangler.wellness-create': { enabled: true },
  });
  strangler = await startStrangler({
    dataDir,
    flagsFile,
    env: {
      LOG_LEVEL: 'info',
      LEGACY_STAND_IN: 'node',
      SYNC_IDLE_POLL_MS: '200',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
  caller = { authorization: `Bearer ${await strangler.token({ organisationId: HARBOUR.id })}` };
}, STEP_MS);

afterAll(async () => {
  await strangler?.stop('SIGINT').catch(() => undefined);
  await receiver?.close();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
}, STEP_MS);

let traceCount = 0;
/** A client's own trace context: a fresh trace id and the client's span id. */
function clientTrace(): { traceId: string; spanId: string; traceparent: string } {
  traceCount += 1;
  const traceId = `4bf92f3577b34da6a3ce929d${String(traceCount).padStart(8, '0')}`;
  const spanId = `00f067aa0ba902b${traceCount}`;
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

async function get(path: string, traceparent: string): Promise<Response> {
  const response = await fetch(new URL(path, strangler.publicUrl), {
    headers: { ...caller, traceparent, tracestate: 'client=e2e' },
  });
  await response.clone().arrayBuffer();
  return response;
}

/** The spans of one trace, once `wanted` of them have arrived. */
function spansOf(traceId: string, wanted: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  return eventually(async () => {
    const spans = receiver.spans().filter((span) => span.traceId === traceId);
    return wanted(spans) ? spans : undefined;
  });
}

function named(spans: readonly ReceivedSpan[], name: string): ReceivedSpan {
  const span = spans.find((candidate) => candidate.name === name);
  if (span === undefined) throw new Error(`no span ${name} in ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

function requestLine(traceId: string): Record<string, unknown> | undefined {
  return strangler
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.message === 'request' && line.trace_id === traceId);
}

describe('OpenTelemetry traces of a running strangler', () => {
  let athleteId: string;

  test('a legacy request: a server span continuing the client trace, a client span for legacy, trace_id on the log line', async () => {
    const client = clientTrace();
    expect((await get('/api/squads', client.traceparent)).status).toBe(200);

    const spans = await spansOf(client.traceId, (found) => found.length >= 2);
    const server = named(spans, 'GET /api/squads');
    expect(server).toMatchObject({ kind: 'server', parentSpanId: client.spanId, serviceName: 'strangler' });
    expect(server.attributes).toMatchObject({
      'strangler.route': 'squads-list',
      'strangler.mode': 'legacy',
      'strangler.target': 'legacy',
      'http.route': '/api/squads',
      'http.request.method': 'GET',
      'http.response.status_code': 200,
    });
    expect(named(spans, 'legacy')).toMatchObject({ kind: 'client', parentSpanId: server.spanId });
    expect(server.traceState).toBe('client=e2e');
    await eventually(async () => requestLine(client.traceId));
  });

  test('a request no route claims: its server span is named by the method alone, not by a path with ids', async () => {
    const client = clientTrace();
    await get('/api/not-migrated/4f0c1c2e-55a6-4d5e-9b1a-1f6b8e0f5d11', client.traceparent);

    const spans = await spansOf(client.traceId, (found) => found.length >= 2);
    const server = named(spans, 'GET');
    expect(server.attributes['strangler.route']).toBe('catch-all');
    expect(server.attributes['http.route']).toBeUndefined();
    expect(named(spans, 'legacy').parentSpanId).toBe(server.spanId);
  });

  test('a new handler: its span under the server span, and a span per database query under it', async () => {
    const client = clientTrace();
    const response = await get('/api/athletes?pageSize=1', client.traceparent);
    expect(response.status).toBe(200);
    athleteId = ((await response.json()) as { AthleteId: string }[])[0]!.AthleteId;

    const spans = await spansOf(client.traceId, (found) => found.some((span) => span.name === 'SELECT'));
    const server = named(spans, 'GET /api/athletes');
    expect(server.attributes).toMatchObject({ 'strangler.mode': 'new', 'strangler.target': 'new' });
    const handler = named(spans, 'new handler athletes-list');
    expect(handler.parentSpanId).toBe(server.spanId);
    const query = named(spans, 'SELECT');
    expect(query).toMatchObject({ kind: 'client', parentSpanId: handler.spanId });
    expect(query.attributes['db.system.name']).toBe('postgresql');
    expect(spans.some((span) => span.name === 'legacy')).toBe(false);
  });

  test('a shadowed request: the comparison is a span of its own trace, linked to the request span', async () => {
    const client = clientTrace();
    expect((await get(`/api/athletes/${athleteId}`, client.traceparent)).status).toBe(200);

    const spans = await spansOf(client.traceId, (found) => found.length >= 2);
    const server = named(spans, 'GET /api/athletes/{id}');
    expect(server.attributes).toMatchObject({ 'strangler.mode': 'shadow', 'strangler.target': 'legacy' });
    const comparison = await eventually(async () =>
      receiver
        .spans()
        .find(
          (span) =>
            span.name === 'shadow compare' &&
            span.links.some((link) => link.traceId === client.traceId && link.spanId === server.spanId),
        ),
    );
    expect(comparison.traceId).not.toBe(client.traceId);
    expect(comparison.parentSpanId).toBeUndefined();
    expect(comparison.attributes['strangler.route']).toBe('athletes-get');
  });

  test('a synced write: the handler inserts under its span, and the relay sends it in a batch span', async () => {
    const client = clientTrace();
    const before = Date.now() * 1e6;
    const response = await fetch(new URL(`/api/athletes/${athleteId}/wellness`, strangler.publicUrl), {
      method: 'POST',
      headers: { ...caller, 'content-type': 'application/json', traceparent: client.traceparent },
      body: JSON.stringify({
        EntryDate: '2021-03-04',
        Sleep: 4,
        Soreness: 2,
        Fatigue: 3,
        Stress: 2,
        Mood: 5,
      }),
    });
    expect(response.status).toBe(201);

    const spans = await spansOf(client.traceId, (found) => found.some((span) => span.name === 'INSERT'));
    const handler = named(spans, 'new handler wellness-create');
    expect(named(spans, 'INSERT').parentSpanId).toBe(handler.spanId);
    const batch = await eventually(async () =>
      receiver
        .spans()
        .find((span) => span.name === 'sync relay batch' && Number(span.startTimeUnixNano) >= before - 1e9),
    );
    expect(batch.parentSpanId).toBeUndefined();
    expect(batch.attributes['strangler.sync.events']).toBeGreaterThanOrEqual(1);
  });
});
