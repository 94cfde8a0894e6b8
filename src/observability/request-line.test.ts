import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import winston from 'winston';

import { createLogger, createSilentLogger, flushLogs } from './logger.ts';
import { createRequestLineWriter, formatRequestLine } from './request-line.ts';
import type { RequestLine } from './request-line.ts';

const LINE: RequestLine = {
  requestId: '0b6c1f5e-6a43-4a8e-9d27-000000000042',
  route: 'athletes-get',
  mode: 'canary',
  target: 'new',
  method: 'GET',
  path: '/api/athletes/***',
  status: 200,
  durationMicros: 3217,
  traceId: undefined,
};

/** A logger's output, as the text written and as parsed lines. */
function capture(level = 'info') {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return {
    logger: createLogger(level, stream),
    text(): string {
      flushLogs();
      return chunks.join('');
    },
  };
}

/** The line as winston writes `logger.info({ message: 'request', ... })` through the same logger. */
async function viaWinston(line: RequestLine): Promise<string> {
  const { logger, text } = capture();
  // A second transport takes the logger off the direct route: winston formats this one.
  logger.add(new winston.transports.Stream({ stream: new PassThrough() }));
  createRequestLineWriter(logger)(line);
  // winston hands the line through its streams before the transport has it.
  await new Promise((resolve) => setImmediate(resolve));
  return text();
}

const withoutTimestamp = (text: string): string => text.replace(/"timestamp":"[^"]+"/g, '"timestamp":"T"');

describe('the request line', () => {
  it.each<[string, Partial<RequestLine>]>([
    ['plain', {}],
    ['with a trace id', { traceId: '4bf92f3577b34da6a3ce929d0e0e4736' }],
    ['a path with quotes, backslashes and control characters', { path: '/a"b\\c\u0001\n\t' }],
    ['a request id with a quote', { requestId: 'abc"def\\' }],
    ['non-ASCII and a lone surrogate', { path: '/ümlaut/日本/\ud83d\ude00/\ud800x' }],
    ['whole and odd numbers', { status: 499, durationMicros: 0 }],
    ['a duration that is not a number', { durationMicros: Number.NaN }],
  ])('is byte for byte what winston writes: %s', async (_name, change) => {
    const line = { ...LINE, ...change };
    const { logger, text } = capture();
    createRequestLineWriter(logger)(line);
    const direct = text();
    expect(withoutTimestamp(direct)).toBe(withoutTimestamp(await viaWinston(line)));
    expect(JSON.parse(direct)).toMatchObject({ message: 'request', level: 'info', path: line.path });
  });

  it('writes the duration in milliseconds as JSON.stringify would', () => {
    const durations = [
      0,
      1,
      10,
      100,
      999,
      1000,
      1001,
      1010,
      1100,
      3217,
      3200,
      123_456_789,
      2 ** 53 + 2,
      -5,
      Infinity,
    ];
    for (let micros = 0; micros < 20_000; micros += 7) durations.push(micros);
    for (const durationMicros of durations) {
      const line = JSON.parse(formatRequestLine({ ...LINE, durationMicros }, 'T')) as { durationMs: unknown };
      expect(JSON.stringify(line.durationMs)).toBe(JSON.stringify(durationMicros / 1000));
      const written = /"durationMs":([^,]+),/.exec(formatRequestLine({ ...LINE, durationMicros }, 'T'))?.[1];
      expect(written).toBe(JSON.stringify(durationMicros / 1000));
    }
  });

  it('puts the timestamp it is given last', () => {
    expect(formatRequestLine(LINE, '2026-12-06T23:30:02.123Z')).toMatch(
      /,"level":"info","timestamp":"2026-12-06T23:30:02\.123Z"}$/,
    );
  });

  it('writes nothing below info, when silent, or on a silent logger', async () => {
    const warn = capture('warn');
    createRequestLineWriter(warn.logger)(LINE);
    expect(warn.text()).toBe('');
    const silenced = capture();
    silenced.logger.silent = true;
    createRequestLineWriter(silenced.logger)(LINE);
    expect(silenced.text()).toBe('');
    expect(() => createRequestLineWriter(createSilentLogger())(LINE)).not.toThrow();
  });

  it('follows a level changed at run time', async () => {
    const { logger, text } = capture('warn');
    const write = createRequestLineWriter(logger);
    write(LINE);
    logger.level = 'info';
    write({ ...LINE, requestId: 'second' });
    const lines = text()
      .split('\n')
      .filter((l) => l !== '');
    expect(lines.map((l) => (JSON.parse(l) as { requestId: string }).requestId)).toEqual(['second']);
  });
});
