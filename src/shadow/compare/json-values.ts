import { jsonType, numberSource } from './number-literals.ts';

/**
 * 8-4-4-4-12 hex digits of either case, checked by hand: the regular expression cost more than the rest
 * of pairing a set's elements by their ids.
 */
export function isGuid(value: string): boolean {
  if (value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) {
      return false;
    }
  }
  return true;
}

/** Exact equality (number literals included) with an explicit stack: no depth limit. */
export function deepEqual(l: unknown, n: unknown): boolean {
  const stack: [unknown, unknown][] = [[l, n]];
  for (let pair = stack.pop(); pair !== undefined; pair = stack.pop()) {
    const [a, b] = pair;
    if (a === b) continue;
    const type = jsonType(a);
    if (type !== jsonType(b)) return false;
    if (type === 'number') {
      if (numberSource(a) !== numberSource(b)) return false;
    } else if (type === 'array') {
      const aa = a as unknown[];
      const bb = b as unknown[];
      if (aa.length !== bb.length) return false;
      for (let i = 0; i < aa.length; i++) stack.push([aa[i], bb[i]]);
    } else if (type === 'object') {
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      const keys = Object.keys(ao);
      if (keys.length !== Object.keys(bo).length) return false;
      for (const key of keys) {
        if (!Object.hasOwn(bo, key)) return false;
        stack.push([ao[key], bo[key]]);
      }
    } else {
      return false;
    }
  }
  return true;
}
