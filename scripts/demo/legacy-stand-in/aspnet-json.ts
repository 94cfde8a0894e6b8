import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import { modelStateOrder } from '../../../routes/shared/legacy-responses.ts';

/*
 * How the real legacy (ASP.NET Core Web API, System.Text.Json with PropertyNamingPolicy = null, see
 * scripts/legacy-aspnet) writes its responses, for the TypeScript stand-in. The ASP.NET app is the
 * truth; legacy-stand-in-parity.test.ts holds this emulation to it.
 */

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** decimal(3,1): SQL Server returns the scale, so the legacy always writes one fractional digit. */
export function decimalOneScale(value: string | number): unknown {
  const text = typeof value === 'number' ? value.toFixed(1) : value;
  const [whole = '0', fraction = ''] = text.split('.');
  return rawJson(`${whole}.${(fraction + '0').slice(0, 1)}`);
}

/** bigint columns arrive as strings; a C# long is a JSON number. */
export function int64(value: string | number | bigint): unknown {
  return rawJson(String(value));
}

/** System.Text.Json writes Guid in the "D" format, lower case, whatever case SQL Server returned. */
export function guid(value: string): string {
  return value.toLowerCase();
}

/**
 * datetime2 → a DateTime as System.Text.Json writes it: no offset (values are UTC by convention), the
 * fraction without trailing zeros and none on a whole second (`2026-11-21T10:15:30.12`). Accepts the
 * driver's string or a Date (UTC).
 */
export function dateTime2(value: string | Date): string {
  const text = value instanceof Date ? value.toISOString().slice(0, 23) : value;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?/.exec(text);
  if (match === null) throw new Error(`Unexpected datetime2 value "${text}"`);
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  return `${match[1]}T${match[2]}${fraction === '' ? '' : `.${fraction}`}`;
}

/** A `date` column is a DateTime in the legacy DTOs: midnight, no fraction. */
export function dateOnlyAsDateTime(value: string | Date): string {
  const day = value instanceof Date ? value.toISOString().slice(0, 10) : value.slice(0, 10);
  return `${day}T00:00:00`;
}

/** W3C traceparent-shaped id, as ASP.NET puts in every ProblemDetails. */
export function newTraceId(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
    ...headers,
  });
  res.end(body);
}

/** An empty response (204, or the 404 of an unmatched route / failed `{id:guid}` constraint). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': '0', ...headers });
  res.end();
}

// RFC 9110 section links exactly as ASP.NET Core 8 writes them (ProblemDetailsDefaults).
const PROBLEM_DEFAULTS: Record<number, { type: string; title: string }> = {
  400: { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1', title: 'Bad Request' },
  404: { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.5', title: 'Not Found' },
  409: { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.10', title: 'Conflict' },
  415: { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.16', title: 'Unsupported Media Type' },
  500: {
    type: 'https://tools.ietf.org/html/rfc9110#section-15.6.1',
    title: 'An error occurred while processing your request.',
  },
};

export function sendProblem(
  res: ServerResponse,
  status: number,
  detail?: string,
  traceId = newTraceId(),
): void {
  const defaults = PROBLEM_DEFAULTS[status] ?? { type: 'about:blank', title: 'Error' };
  // Property order of Microsoft.AspNetCore.Mvc.ProblemDetails: type, title, status, detail, then extensions.
  const body: Record<string, unknown> = { type: defaults.type, title: defaults.title, status };
  if (detail !== undefined) body.detail = detail;
  body.traceId = traceId;
  sendJson(res, status, body, { 'Content-Type': 'application/problem+json; charset=utf-8' });
}

/** Model-state errors; written in ASP.NET's ModelStateDictionary order (modelStateOrder). */
export type ModelErrors = Map<string, string[]>;

export function addModelError(errors: ModelErrors, key: string, message: string): void {
  const list = errors.get(key);
  if (list === undefined) errors.set(key, [message]);
  else list.push(message);
}

/** The automatic 400 of [ApiController] (ValidationProblemDetails). */
export function sendValidationProblem(
  res: ServerResponse,
  errors: ModelErrors,
  traceId = newTraceId(),
): void {
  sendJson(
    res,
    400,
    {
      type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
      title: 'One or more validation errors occurred.',
      status: 400,
      errors: Object.fromEntries(modelStateOrder([...errors.keys()]).map((k) => [k, errors.get(k)])),
      traceId,
    },
    { 'Content-Type': 'application/problem+json; charset=utf-8' },
  );
}
