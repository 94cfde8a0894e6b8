import { createHash } from 'node:crypto';
import type { CapturedResponse } from '../captured-exchange.ts';
import { headerValue } from './compare-headers.ts';
import { markNonCanonicalNumbers } from './number-literals.ts';
import type { JsonWalker } from './json-walker.ts';

const NOT_JSON = Symbol('not-json');

function parseJsonBody(response: CapturedResponse): unknown {
  const body = response.body;
  if (body.length === 0) return NOT_JSON;
  const type = headerValue(response.headers, 'content-type');
  if (type !== undefined && !type.toLowerCase().includes('json')) return NOT_JSON;
  try {
    // A UTF-8 byte order mark is legal before JSON text (RFC 8259 §8.1 lets a parser ignore it).
    const text = body.toString('utf8');
    return JSON.parse(
      markNonCanonicalNumbers(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text),
    ) as unknown;
  } catch {
    // Declared JSON that does not parse is compared by hash like any other body.
    return NOT_JSON;
  }
}

function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

export function compareBodies(
  walker: JsonWalker,
  legacy: CapturedResponse,
  candidate: CapturedResponse,
): void {
  if (legacy.body.equals(candidate.body)) return;
  const l = parseJsonBody(legacy);
  const n = parseJsonBody(candidate);
  if (l !== NOT_JSON && n !== NOT_JSON) {
    walker.walk(l, n, []);
    return;
  }
  walker.add({
    path: 'body',
    kind: (l === NOT_JSON) === (n === NOT_JSON) ? 'changed' : 'type',
    legacy: l === NOT_JSON ? sha256(legacy.body) : l,
    new: n === NOT_JSON ? sha256(candidate.body) : n,
  });
}
