import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger } from './logger.ts';

/**
 * Micro-benchmark for the proxy's per-request log line: what winston costs per line,
 * against a bare JSON.stringify + write and against winston's stock format chain. Run:
 * `node src/observability/measure-logger-cost.ts > /dev/null` (the Console case writes to stdout;
 * results go to stderr). Each case runs several rounds; the median round is reported.
 */
export interface LoggerCost {
  readonly label: string;
  readonly microsPerLine: number;
  readonly linesPerSecond: number;
}

const requestLine = (i: number) => ({
  requestId: `0b6c1f5e-6a43-4a8e-9d27-${String(i).padStart(12, '0')}`,
  route: 'athlete-get',
  mode: 'canary',
  target: 'new',
  method: 'GET',
  path: '/api/athletes/42',
  status: 200,
  durationMs: 3.21,
});

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function median(
  label: string,
  lines: number,
  rounds: number,
  write: (i: number) => void,
): Promise<LoggerCost> {
  for (let i = 0; i < 10_000; i += 1) write(i);
  await nextTurn();
  const perLine: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < lines; i += 1) write(i);
    await nextTurn();
    perLine.push(Number(process.hrtime.bigint() - started) / lines);
  }
  perLine.sort((a, b) => a - b);
  const nanos = perLine[Math.floor(perLine.length / 2)] ?? Number.NaN;
  return { label, microsPerLine: nanos / 1000, linesPerSecond: Math.round(1e9 / nanos) };
}

export async function measureLoggerCost(lines = 20_000, rounds = 7): Promise<LoggerCost[]> {
  const sink = new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  const stock = winston.createLogger({
    level: 'info',
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Stream({ stream: sink })],
  });
  const toSink = createLogger('info', sink);
  const toStdout = createLogger('info');
  const filtered = createLogger('warn', sink);
  return [
    await median('baseline: JSON.stringify + write, no winston', lines, rounds, (i) => {
      const line = {
        level: 'info',
        message: 'request',
        ...requestLine(i),
        timestamp: new Date().toISOString(),
      };
      sink.write(`${JSON.stringify(line)}\n`);
    }),
    await median('winston stock errors+timestamp+json -> no-op stream', lines, rounds, (i) =>
      stock.info('request', requestLine(i)),
    ),
    await median('createLogger -> no-op stream', lines, rounds, (i) =>
      toSink.info('request', requestLine(i)),
    ),
    await median('createLogger -> no-op stream, single-object call', lines, rounds, (i) =>
      toSink.info({ message: 'request', ...requestLine(i) }),
    ),
    await median('createLogger -> stdout (Console transport)', lines, rounds, (i) =>
      toStdout.info('request', requestLine(i)),
    ),
    await median('createLogger, line below LOG_LEVEL', lines, rounds, (i) =>
      filtered.info('request', requestLine(i)),
    ),
  ];
}

if (import.meta.main) {
  for (const result of await measureLoggerCost()) {
    const micros = result.microsPerLine.toFixed(2).padStart(7);
    process.stderr.write(
      `${result.label.padEnd(55)} ${micros} µs/line ${String(result.linesPerSecond).padStart(9)} lines/s\n`,
    );
  }
}
