import { createHash } from 'node:crypto';
import { isGuid } from './json-values.ts';
import { isMarkedNumber, numberValue, plain } from './number-literals.ts';

/**
 * How an element of an array compared as a set is known: the value of its `key` member (GUIDs in
 * lower case). Elements without a usable key are identified by their whole JSON text, so they still
 * compare as set members.
 */
export function setIdentity(element: unknown, key: string): string {
  if (element !== null && typeof element === 'object' && !Array.isArray(element)) {
    const v = (element as Record<string, unknown>)[key];
    if (isMarkedNumber(v)) return String(numberValue(v));
    if (v !== undefined && v !== null && typeof v !== 'object') {
      return typeof v === 'string' && isGuid(v) ? v.toLowerCase() : String(v);
    }
  }
  // No usable key: paired by its whole content, named by a digest of it (the content itself could
  // carry personal data into a stored path).
  return `#${createHash('sha256')
    .update(JSON.stringify(plain(element)))
    .digest('hex')
    .slice(0, 12)}`;
}

/** The new side's elements by identity, in order: duplicates pair in order. */
export function elementsByIdentity(elements: readonly unknown[], key: string): Map<string, unknown[]> {
  const byIdentity = new Map<string, unknown[]>();
  for (const element of elements) {
    const id = setIdentity(element, key);
    const list = byIdentity.get(id);
    if (list === undefined) byIdentity.set(id, [element]);
    else list.push(element);
  }
  return byIdentity;
}

/**
 * Takes the partner of a legacy element out of the candidates sharing its identity. Several elements
 * may share the key: an identical one pairs first, so reordered duplicates are equal.
 */
export function takePartner(element: unknown, candidates: unknown[]): unknown {
  let at = 0;
  if (candidates.length > 1) {
    const text = JSON.stringify(plain(element));
    at = Math.max(
      0,
      candidates.findIndex((candidate) => JSON.stringify(plain(candidate)) === text),
    );
  }
  return candidates.splice(at, 1)[0];
}
