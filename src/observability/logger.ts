import winston from 'winston';

export type Logger = winston.Logger;

/** JSON lines on stdout; one line per request is written by the proxy at `info`. */
export function createLogger(level: string, stream?: NodeJS.WritableStream): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json(),
    ),
    transports: [
      stream === undefined ? new winston.transports.Console() : new winston.transports.Stream({ stream }),
    ],
  });
}

/** For tests and tools that want no output. */
export function createSilentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}

/** Narrows a caught value into something loggable with its cause chain. */
export function errorDetails(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const details: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') details.code = code;
    if (error.cause !== undefined) details.cause = errorDetails(error.cause);
    return details;
  }
  return { message: String(error) };
}
