import { infoLineOutputOf, isoTimestamp } from './logger.ts';
import type { Logger } from './logger.ts';

/** The access log's fields, one line per request. */
export interface RequestLine {
  readonly requestId: string;
  readonly route: string;
  readonly mode: string;
  readonly target: string;
  readonly method: string;
  /** With the route's redacted segments masked. */
  readonly path: string;
  readonly status: number;
  /** Whole microseconds; the line gives milliseconds. */
  readonly durationMicros: number;
  /** Undefined while tracing is off: the field is left out. */
  readonly traceId: string | undefined;
}

export type RequestLineWriter = (line: RequestLine) => void;

/**
 * Writes the line per request. On a logger createLogger built, the JSON is put together here and
 * handed to the logger's transport: the same bytes winston writes for `logger.info({ message:
 * 'request', ... })` (request-line.test.ts holds them equal), at a fraction of the CPU, since this
 * runs for every request on the public port. Any other logger gets that call.
 */
export function createRequestLineWriter(logger: Logger): RequestLineWriter {
  const output = infoLineOutputOf(logger);
  return (line) => {
    const route = output === undefined ? 'winston' : output.route();
    if (route === 'direct') output?.write(formatRequestLine(line, isoTimestamp()));
    else if (route === 'winston' && logger.isInfoEnabled()) logger.info(requestLineEntry(line));
  };
}

/** The line as winston's single-object call takes it (the key order is the line's). */
export function requestLineEntry(line: RequestLine): { message: string } & Record<string, unknown> {
  return {
    message: 'request',
    requestId: line.requestId,
    route: line.route,
    mode: line.mode,
    target: line.target,
    method: line.method,
    path: line.path,
    status: line.status,
    durationMs: line.durationMicros / 1000,
    trace_id: line.traceId,
  };
}

/** The JSON line, with winston's `level` and the logger's `timestamp` last, as they are added there. */
export function formatRequestLine(line: RequestLine, timestamp: string): string {
  const traceId = line.traceId === undefined ? '' : `,"trace_id":${jsonString(line.traceId)}`;
  return (
    `{"message":"request","requestId":${jsonString(line.requestId)},"route":${jsonString(line.route)}` +
    `,"mode":${jsonString(line.mode)},"target":${jsonString(line.target)}` +
    `,"method":${jsonString(line.method)},"path":${jsonString(line.path)}` +
    `,"status":${jsonNumber(line.status)},"durationMs":${millis(line.durationMicros)}${traceId}` +
    `,"level":"info","timestamp":"${timestamp}"}`
  );
}

// What JSON.stringify would escape: quotes, backslashes, control characters and (well-formed
// JSON.stringify) lone surrogates, which are rare enough to hand every surrogate to it.
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonString(value: string): string {
  return NEEDS_ESCAPING.test(value) ? JSON.stringify(value) : `"${value}"`;
}

function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}

/**
 * Whole microseconds as milliseconds, digit for digit what JSON.stringify(micros / 1000) gives:
 * printing a fraction takes V8's shortest-digits search, several times the cost of an integer's.
 */
function millis(micros: number): string {
  if (!Number.isSafeInteger(micros) || micros < 0) return jsonNumber(micros / 1000);
  const whole = Math.floor(micros / 1000);
  const fraction = micros - whole * 1000;
  if (fraction === 0) return `${whole}`;
  let digits = fraction < 10 ? `00${fraction}` : fraction < 100 ? `0${fraction}` : `${fraction}`;
  // As JSON has it: 3.2, not 3.200.
  while (digits.endsWith('0')) digits = digits.slice(0, -1);
  return `${whole}.${digits}`;
}
