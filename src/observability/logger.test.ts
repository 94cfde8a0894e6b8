import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import vm from 'node:vm';
import winston from 'winston';
import { createLogger, errorDetails, flushLogs, isoTimestamp } from './logger.ts';

/** A real winston logger writing to an in-memory stream; returns the parsed JSON lines. */
function capture(level: string) {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const logger = createLogger(level, stream);
  return {
    logger,
    async lines(): Promise<Record<string, unknown>[]> {
      flushLogs();
      return chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
    address: '127.0.0.1',
    port: 9,
  });
}

describe('createLogger', () => {
  it('honours LOG_LEVEL: lines below the level are dropped', async () => {
    const { logger, lines } = capture('warn');
    logger.info('not shown');
    logger.warn('shown');
    logger.error('also shown');
    expect((await lines()).map((l) => l.message)).toEqual(['shown', 'also shown']);
  });

  it('writes the single-object request line exactly as winston would, and keeps child metadata', async () => {
    const { logger, lines } = capture('info');
    logger.info({ message: 'request', requestId: 'r-1', status: 200, durationMs: 1.5 });
    logger.child({ component: 'proxy' }).info({ message: 'request', requestId: 'r-2' });
    // A logger someone added a transport to goes through winston (both transports get the line).
    const extra = new PassThrough();
    const extraChunks: string[] = [];
    extra.on('data', (chunk: Buffer) => extraChunks.push(chunk.toString('utf8')));
    logger.add(new winston.transports.Stream({ stream: extra }));
    logger.info({ message: 'request', requestId: 'r-3' });
    const written = await lines();
    expect(written).toEqual([
      {
        message: 'request',
        requestId: 'r-1',
        status: 200,
        durationMs: 1.5,
        level: 'info',
        timestamp: expect.any(String),
      },
      {
        component: 'proxy',
        message: 'request',
        requestId: 'r-2',
        level: 'info',
        timestamp: expect.any(String),
      },
      { message: 'request', requestId: 'r-3', level: 'info', timestamp: expect.any(String) },
    ]);
    expect(Object.keys(written[0] ?? {})).toEqual([
      'message',
      'requestId',
      'status',
      'durationMs',
      'level',
      'timestamp',
    ]);
    expect(extraChunks.join('')).toContain('"requestId":"r-3"');
  });

  it('writes debug lines when LOG_LEVEL is debug', async () => {
    const { logger, lines } = capture('debug');
    logger.debug('detail', { route: 'athlete-get' });
    expect(await lines()).toEqual([
      expect.objectContaining({
        level: 'debug',
        message: 'detail',
        route: 'athlete-get',
        timestamp: expect.any(String),
      }),
    ]);
  });

  it('logs an error passed as metadata with its whole cause chain and network details', async () => {
    const { logger, lines } = capture('info');
    const error = new Error('legacy request failed', { cause: refused() });
    logger.error('upstream error', { requestId: 'r-1', error });
    const [line] = await lines();
    expect(line).toMatchObject({
      level: 'error',
      message: 'upstream error',
      requestId: 'r-1',
      error: {
        name: 'Error',
        message: 'legacy request failed',
        stack: expect.stringContaining('legacy request failed'),
        cause: { code: 'ECONNREFUSED', errno: -111, syscall: 'connect', address: '127.0.0.1', port: 9 },
      },
    });
  });

  it('keeps the cause when the error itself is logged', async () => {
    const { logger, lines } = capture('info');
    logger.error(new Error('handler failed', { cause: refused() }));
    const [line] = await lines();
    expect(line).toMatchObject({
      level: 'error',
      message: 'handler failed',
      stack: expect.stringContaining('handler failed'),
      cause: { message: 'connect ECONNREFUSED 127.0.0.1:9', code: 'ECONNREFUSED' },
    });
  });

  it('keeps the cause when the error is passed after a message', async () => {
    const { logger, lines } = capture('info');
    logger.error('sync failed:', new Error('relay stopped', { cause: refused() }));
    const [line] = await lines();
    expect(line).toMatchObject({
      message: 'sync failed: relay stopped',
      stack: expect.stringContaining('relay stopped'),
      cause: { code: 'ECONNREFUSED', port: 9 },
    });
  });

  it('still writes a line whose metadata has a BigInt or a cycle', async () => {
    const { logger, lines } = capture('info');
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    logger.info('odd metadata', { version: 10n, cyclic });
    expect(await lines()).toEqual([
      expect.objectContaining({
        message: 'odd metadata',
        version: '10',
        cyclic: { name: 'a', self: '[Circular]' },
      }),
    ]);
  });
});

describe('isoTimestamp', () => {
  it('writes the time as toISOString does, milliseconds included', () => {
    const start = Date.UTC(2026, 11, 6, 15, 59, 59, 0);
    for (const offset of [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 86_400_000 + 7]) {
      expect(isoTimestamp(start + offset)).toBe(new Date(start + offset).toISOString());
      expect(isoTimestamp(start + offset)).toBe(new Date(start + offset).toISOString());
    }
  });
});

describe('line batching', () => {
  /** Records each write the logger makes to its stream, as one string per call. */
  function recordingStream(): { stream: Writable; writes: string[] } {
    const writes: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        writes.push(chunk.toString('utf8'));
        callback();
      },
    });
    return { stream, writes };
  }

  it('holds info lines back for a moment and writes them with a single write, in order', async () => {
    const { stream, writes } = recordingStream();
    const logger = createLogger('info', stream);
    logger.info({ message: 'request', requestId: 'a' });
    logger.info({ message: 'request', requestId: 'b' });
    logger.debug('not at this level');
    logger.info('flags reloaded', { flags: 3 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([]);
    const started = performance.now();
    while (writes.length === 0 && performance.now() - started < 2000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Held for about a tenth of a second (timers may fire a little early or late).
    expect(performance.now() - started).toBeGreaterThan(50);
    expect(writes).toHaveLength(1);
    const lines = writes[0]?.split('\n') ?? [];
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => (JSON.parse(line) as { requestId?: string; level: string }).level)).toEqual([
      'info',
      'info',
      'info',
    ]);
  });

  it('writes a warning or an error, and everything before it, at once', () => {
    const { stream, writes } = recordingStream();
    const logger = createLogger('info', stream);
    logger.info({ message: 'request', requestId: 'a' });
    logger.warn('legacy call failed', { code: 'ECONNRESET' });
    expect(writes).toHaveLength(1);
    expect(writes[0]?.split('\n').filter((line) => line !== '')).toHaveLength(2);
    logger.info({ message: 'request', requestId: 'b' });
    logger.error('legacy unreachable', { error: refused() });
    expect(writes).toHaveLength(2);
  });

  it('never holds back more than a bounded batch', () => {
    const { stream, writes } = recordingStream();
    const logger = createLogger('info', stream);
    for (let i = 0; i < 1000; i++)
      logger.info({ message: 'request', requestId: `r-${i}`, path: '/x'.repeat(20) });
    expect(writes.length).toBeGreaterThan(2);
    for (const write of writes) expect(write.length).toBeLessThan(33 * 1024);
  });

  it('writes what is pending when the process exits', () => {
    const script = [
      `const { createLogger } = await import(${JSON.stringify(new URL('./logger.ts', import.meta.url).href)});`,
      "createLogger('info').info({ message: 'request', requestId: 'last' });",
      'process.exit(0);',
    ].join('\n');
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toMatchObject({ message: 'request', requestId: 'last', level: 'info' });
  });
});

describe('errorDetails', () => {
  it('lists the inner errors of an AggregateError (dual-stack connection refused)', () => {
    const details = errorDetails(
      new AggregateError([refused(), new Error('connect ECONNREFUSED ::1:9')], ''),
    );
    expect(details.errors).toEqual([
      expect.objectContaining({ code: 'ECONNREFUSED' }),
      expect.objectContaining({ message: 'connect ECONNREFUSED ::1:9' }),
    ]);
  });

  it('stops on a cyclic cause chain instead of recursing forever', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    let depth = 0;
    for (let d: Record<string, unknown> | undefined = errorDetails(a); d !== undefined; depth += 1) {
      d = d.cause as Record<string, unknown> | undefined;
    }
    expect(depth).toBe(9);
  });

  it('recognises errors from another realm (node internals under a VM context) with their cause', () => {
    const foreign: unknown = vm.runInNewContext(
      'Object.assign(new Error("connect ECONNREFUSED", { cause: new TypeError("inner") }), { code: "ECONNREFUSED" })',
    );
    expect(foreign instanceof Error).toBe(false);
    expect(errorDetails(foreign)).toMatchObject({
      name: 'Error',
      code: 'ECONNREFUSED',
      cause: { name: 'TypeError', message: 'inner' },
    });
  });

  it('describes thrown non-errors without throwing itself', () => {
    expect(errorDetails('boom')).toEqual({ message: 'boom' });
    expect(errorDetails({ status: 500 })).toEqual({ message: '{ status: 500 }' });
    expect(errorDetails(Object.create(null))).toEqual({ message: '[Object: null prototype] {}' });
  });
});
