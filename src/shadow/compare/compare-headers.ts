import type { CapturedHeaders } from '../captured-exchange.ts';
import type { DifferenceSink } from './difference.ts';

export function headerValue(headers: CapturedHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(', ');
}

function normaliseHeader(name: string, value: string): string {
  // `application/json; charset=utf-8` and `application/json;charset=UTF-8` are the same media type
  // (RFC 9110 §8.3.1: type, subtype and charset are case-insensitive).
  return name === 'content-type'
    ? value
        .toLowerCase()
        .replace(/\s*;\s*/g, ';')
        .trim()
    : value;
}

export function compareHeader(
  sink: DifferenceSink,
  name: string,
  legacy: CapturedHeaders,
  candidate: CapturedHeaders,
): void {
  const l = headerValue(legacy, name);
  const n = headerValue(candidate, name);
  if (l === n) return;
  const path = `headers.${name}`;
  if (l === undefined) sink.add({ path, kind: 'added', legacy: undefined, new: n });
  else if (n === undefined) sink.add({ path, kind: 'missing', legacy: l, new: undefined });
  else if (normaliseHeader(name, l) !== normaliseHeader(name, n)) {
    sink.add({ path, kind: 'changed', legacy: l, new: n });
  }
}
