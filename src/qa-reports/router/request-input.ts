import type { Request } from 'express';
import { BadRequestError } from '../bad-request-error.ts';
import { EQUIVALENCES, type Equivalence } from '../../shadow/accepted-differences.ts';
import type { AcceptChoice } from '../accept-rule.ts';
import { GROUP_STATUSES, type GroupStatus } from '../report-store.ts';

/*
 * What the forms, the JSON bodies and the query strings may carry. Anything else is a 400 with the
 * problem named, before the store is asked.
 */

const MAX_TEXT = 2000;

/** The parsed form or JSON body as a plain object; anything else (an array, a string) counts as empty. */
export function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

export function requiredText(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value.trim() === '') throw new BadRequestError([`${name} is required`]);
  if (value.length > MAX_TEXT) throw new BadRequestError([`${name} must be at most ${MAX_TEXT} characters`]);
  return value.trim();
}

export function optionalLink(body: Record<string, unknown>): string | null {
  const value = body.link;
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > MAX_TEXT)
    throw new BadRequestError(['link must be a string']);
  const url = URL.canParse(value) ? new URL(value) : undefined;
  // Only http(s): the link is rendered as an anchor, and `javascript:` would run on click.
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new BadRequestError(['link must be an http(s) URL']);
  }
  return url.toString();
}

/**
 * What an accept says is equivalent: `equivalence` (default `exact`, the very values seen) and, for
 * `numeric`, a `tolerance` of zero or more.
 */
export function acceptChoice(body: Record<string, unknown>): AcceptChoice {
  const equivalence = body.equivalence ?? 'exact';
  if (typeof equivalence !== 'string' || !(EQUIVALENCES as readonly string[]).includes(equivalence)) {
    throw new BadRequestError([`equivalence must be one of ${EQUIVALENCES.join(', ')}`]);
  }
  if (equivalence !== 'numeric') return { equivalence: equivalence as Equivalence };
  const raw = body.tolerance;
  const tolerance = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new BadRequestError(['tolerance must be a number of zero or more for "numeric"']);
  }
  return { equivalence: 'numeric', tolerance };
}

export function parseStatus(value: unknown): GroupStatus | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && (GROUP_STATUSES as readonly string[]).includes(value))
    return value as GroupStatus;
  throw new BadRequestError([`status must be one of ${GROUP_STATUSES.join(', ')}`]);
}
