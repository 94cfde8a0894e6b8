import { createHash } from 'node:crypto';
import type { PathPattern } from './compare/json-path.ts';
import { redactValue } from './redact-values.ts';

/**
 * How a body was kept. The stored `body` is what QA reports display (src/qa-reports reads it): the
 * parsed JSON value, the text, nothing (empty), or for an omitted body a one-line description.
 */
export type StoredBodyKind = 'empty' | 'json' | 'text' | 'omitted';

export interface StoredBody {
  readonly body?: unknown;
  readonly bodyKind: StoredBodyKind;
  /** For omitted bodies: enough to tell two bodies apart without keeping them. */
  readonly bodySha256?: string;
  readonly bodyBytes?: number;
}

const TEXT_TYPES = /^(text\/|application\/(xml|x-www-form-urlencoded|javascript))|\+xml/;

/**
 * A body as stored: JSON parsed and masked by the personal-data `paths`, text as it is, anything else
 * (or any text body of a route with personal-data rules) omitted with its size and digest.
 */
export function storedBody(
  raw: Buffer,
  contentType: string | undefined,
  paths: readonly PathPattern[],
): StoredBody {
  if (raw.length === 0) return { bodyKind: 'empty' };
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('json') || type === '') {
    try {
      return {
        bodyKind: 'json',
        body: redactValue(JSON.parse(raw.toString('utf8')) as unknown, [], paths),
      };
    } catch {
      // Not JSON after all: handled below like any other body.
    }
  }
  // Personal-data rules are JSON paths; a route that has them may carry the same data in a text body
  // where no path can find it, so its text bodies are not kept.
  if (paths.length > 0) return omitted(raw, 'route has personal-data rules; only JSON bodies can be masked');
  if (!TEXT_TYPES.test(type)) return omitted(raw, 'binary body');
  return { bodyKind: 'text', body: raw.toString('utf8') };
}

function omitted(raw: Buffer, reason: string): StoredBody {
  const sha256 = createHash('sha256').update(raw).digest('hex');
  return {
    bodyKind: 'omitted',
    body: `[body not kept: ${reason}; ${raw.length} bytes, sha256 ${sha256}]`,
    bodySha256: sha256,
    bodyBytes: raw.length,
  };
}
