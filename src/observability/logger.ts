import { inspect, types } from 'node:util';
import winston from 'winston';

/** winston's keys for the serialised line and the level (triple-beam's MESSAGE and LEVEL). */
const MESSAGE = Symbol.for('message');
const LEVEL = Symbol.for('level');

export type Logger = winston.Logger;

/**
 * JSON lines on stdout; one line per request is written by the proxy at `info`. `level` is LOG_LEVEL
 * (validated by loadConfig against winston's npm levels).
 *
 * Errors log with their whole cause chain whichever way they are passed:
 * `logger.error('msg', { error })`, `logger.error('msg', error)` or `logger.error(error)`.
 */
export function createLogger(level: string, stream?: NodeJS.WritableStream): Logger {
  const transport = new LineTransport(stream ?? process.stdout);
  const logger = winston.createLogger({ level, format: jsonLine(), transports: [transport] });
  infoLineOutputs.set(logger, infoLineOutput(logger, transport));
  return logger;
}

// winston's typings call the transport base class `transport`; at run time it is `Transport`.
const TransportStream = (winston as unknown as { Transport: typeof import('winston-transport') }).Transport;

/**
 * Writes each formatted line to the stream, nothing else. winston's Console transport also emits
 * 'logged' from a setImmediate per line, which nobody here listens for: on the proxy's hot path that
 * is one more macrotask per request.
 *
 * Lines are gathered and written with one call, as nginx buffers its access log: stdout on Linux is
 * synchronous for files and pipes alike, so a write per line is a write(2) per request, ~10% of the
 * proxy's CPU on the bench machine (LOG_LEVEL=info against warn), and even a write per event-loop
 * turn (a handful of requests on a busy proxy) cost ~1 µs a request in stream machinery. A batch is
 * written once it reaches FLUSH_AT characters or HOLD_MS after its first line, whichever is first;
 * warnings and errors (and everything before them) go out at once; whatever is pending at exit is
 * written on 'exit'. What a SIGKILL loses is the last HOLD_MS of info lines.
 */
class LineTransport extends TransportStream {
  readonly #out: NodeJS.WritableStream;
  #pending = '';
  #scheduled: NodeJS.Timeout | undefined;

  constructor(out: NodeJS.WritableStream) {
    super();
    this.#out = out;
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.writeLine(String(info[MESSAGE]), info[LEVEL]);
    next();
  }

  writeLine(line: string, level: unknown): void {
    this.#pending += `${line}\n`;
    if (level === 'error' || level === 'warn' || this.#pending.length >= FLUSH_AT) this.flush();
    else if (this.#scheduled === undefined) {
      // Unref'd: pending lines never keep the process alive; 'exit' writes them.
      this.#scheduled = setTimeout(flushLater, HOLD_MS, this).unref();
      pendingTransports.add(this);
    }
  }

  flush(): void {
    if (this.#scheduled !== undefined) {
      clearTimeout(this.#scheduled);
      this.#scheduled = undefined;
      pendingTransports.delete(this);
    }
    if (this.#pending === '') return;
    const lines = this.#pending;
    this.#pending = '';
    this.#out.write(lines);
  }
}

/** Largest batch of lines held back, in characters (~100 request lines). */
const FLUSH_AT = 32 * 1024;
/** Longest a line is held back, in milliseconds. */
const HOLD_MS = 100;

function flushLater(transport: LineTransport): void {
  transport.flush();
}

/**
 * Transports holding lines back; 'exit' writes them. One set and one listener per
 * process, kept on `process` itself: a module loaded more than once (test runners give every test
 * file its own registry) must not add a listener each time.
 */
const PENDING = Symbol.for('strangler.logger.pendingTransports');
const pendingTransports = ((process as unknown as Record<symbol, Set<{ flush(): void }> | undefined>)[
  PENDING
] ??= registerExitFlush(new Set()));

/** Writes every line still held back, now (tests reading a logger's stream; a tool about to exit). */
export function flushLogs(): void {
  for (const transport of pendingTransports) transport.flush();
}

function registerExitFlush(transports: Set<{ flush(): void }>): Set<{ flush(): void }> {
  process.on('exit', () => {
    for (const transport of transports) transport.flush();
  });
  return transports;
}

/**
 * How an info line reaches the output, for the proxy's line per request (request-line.ts), which is
 * formatted without winston: winston hands every call through two object-mode streams before the
 * format runs, ~15 µs of CPU per request in the bench (scripts/bench.ts, LOG_LEVEL=info against warn).
 */
export interface InfoLineOutput {
  /**
   * 'direct' while info is enabled and the logger is as createLogger built it (its one transport, not
   * silent): the line may be written straight to the transport. 'off' below info or when silent;
   * 'winston' for a logger someone reconfigured, which must get the line through logger.info.
   */
  route(): 'direct' | 'off' | 'winston';
  /** Writes one finished JSON line (without its newline). */
  write(line: string): void;
}

const infoLineOutputs = new WeakMap<Logger, InfoLineOutput>();

/** The direct way to the output of a logger createLogger built; undefined for any other. */
export function infoLineOutputOf(logger: Logger): InfoLineOutput | undefined {
  return infoLineOutputs.get(logger);
}

function infoLineOutput(logger: winston.Logger, transport: LineTransport): InfoLineOutput {
  // isInfoEnabled walks the transports with a fresh closure each call; with this logger's one
  // transport (checked below) the answer depends on the logger's level alone.
  let levelSeen: string | undefined;
  let infoEnabled = false;
  return {
    route() {
      if (logger.silent) return 'off';
      if (!onlyTransportIs(logger, transport)) return 'winston';
      if (logger.level !== levelSeen) {
        levelSeen = logger.level;
        infoEnabled = logger.isInfoEnabled();
      }
      return infoEnabled ? 'direct' : 'off';
    },
    write: (line) => transport.writeLine(line, 'info'),
  };
}

/** winston builds a new array on every read of `transports`: read it once. */
function onlyTransportIs(logger: winston.Logger, transport: LineTransport): boolean {
  const transports = logger.transports;
  return transports.length === 1 && transports[0] === transport;
}

/** For tests and tools that want no output. */
export function createSilentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}

/**
 * One pass instead of combine(errors(), timestamp(), json()): this runs once per proxied request, and
 * the three-format chain with safe-stable-stringify cost ~5 µs more per line (measure-logger-cost.ts).
 * JSON.stringify turns an Error into `{}`, so every Error-valued field (one level deep, where callers
 * put them) is replaced by its details: message, code and cause chain survive.
 */
const jsonLine = winston.format((original) => {
  let info = original;
  // `logger.error(error)` hands the Error itself to the format; copy it like logform's errors() does.
  if (isError(info)) {
    const error: Error = info;
    info = Object.assign({}, info, { message: error.message, stack: error.stack });
    if (error.cause !== undefined) info.cause = error.cause;
  } else if (isError(info.message)) {
    const error: Error = info.message;
    Object.assign(info, error, { message: error.message, stack: error.stack });
    if (error.cause !== undefined) info.cause = error.cause;
  }
  for (const key in info) {
    const value: unknown = info[key];
    // Most fields are strings and numbers (a request line has ten): no native isNativeError call for them.
    if (typeof value === 'object' && value !== null && isError(value)) info[key] = errorDetails(value);
  }
  info.timestamp = isoTimestamp();
  info[MESSAGE] = stringify(info);
  return info;
});

let isoSecond = -1;
let isoPrefix = '';
let isoMillisecond = -1;
let isoLatest = '';
/**
 * The current time as ISO 8601. toISOString costs ~1 µs, a tenth of the proxy's own work per request;
 * lines in the same second share everything up to the milliseconds, which are appended, and lines
 * in the same millisecond (a busy proxy writes several) share the whole string.
 */
export function isoTimestamp(now = Date.now()): string {
  if (now === isoMillisecond) return isoLatest;
  const second = Math.floor(now / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, -4);
  }
  const millis = now - second * 1000;
  isoMillisecond = now;
  isoLatest = `${isoPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
  return isoLatest;
}

function stringify(info: object): string {
  try {
    return JSON.stringify(info);
  } catch (error: unknown) {
    // BigInt or a cycle in someone's metadata must not lose the line (or throw into the proxy).
    if (!(error instanceof TypeError)) throw error;
    const seen = new WeakSet<object>();
    return JSON.stringify(info, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'object' && value !== null) {
        if (seen.has(value)) return '[Circular]';
        seen.add(value);
      }
      return value;
    });
  }
}

const MAX_CAUSE_DEPTH = 8;

/** Narrows a caught value into something loggable with its cause chain. */
export function errorDetails(error: unknown, depth = 0): Record<string, unknown> {
  if (isError(error)) {
    const details: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
    // Node's network errors carry what failed and where; operators need it to tell DNS from refusal.
    const extra = error as {
      code?: unknown;
      errno?: unknown;
      syscall?: unknown;
      address?: unknown;
      port?: unknown;
    };
    if (typeof extra.code === 'string' || typeof extra.code === 'number') details.code = extra.code;
    if (typeof extra.errno === 'number') details.errno = extra.errno;
    if (typeof extra.syscall === 'string') details.syscall = extra.syscall;
    if (typeof extra.address === 'string') details.address = extra.address;
    if (typeof extra.port === 'number') details.port = extra.port;
    if (depth >= MAX_CAUSE_DEPTH) return details;
    // A connection refused on a dual-stack host is an AggregateError whose message is empty.
    const inner = (error as { errors?: unknown }).errors;
    if (Array.isArray(inner) && (error instanceof AggregateError || error.name === 'AggregateError')) {
      details.errors = inner.map((inner: unknown) => errorDetails(inner, depth + 1));
    }
    if (error.cause !== undefined) details.cause = errorDetails(error.cause, depth + 1);
    return details;
  }
  // Something that is not an Error was thrown (a string, a plain object): show it, never throw here.
  return { message: typeof error === 'string' ? error : inspect(error, { depth: 3, breakLength: Infinity }) };
}

/**
 * Errors raised inside node's own modules (net, dns) can come from another realm (jest's VM
 * contexts, worker boundaries), where `instanceof Error` is false; isNativeError still knows them.
 */
function isError(value: unknown): value is Error {
  // The typeof test spares the native call for the strings a request line is made of.
  return (
    typeof value === 'object' && value !== null && (value instanceof Error || types.isNativeError(value))
  );
}
