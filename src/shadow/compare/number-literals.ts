/*
 * Number literals. Clients see the text of a number, not its value: .NET writes a decimal with its
 * scale (`5.0`), JavaScript writes `5`. JSON.parse keeps only the value, and its source-text reviver
 * is ten times slower than the whole comparison, so a scan over the text (skipping strings) rewrites
 * every literal JavaScript would print differently (`5.0`, `1e3`, `-0`, integers beyond double
 * precision) into a marked string before parsing. Bodies without one, the common case, parse as is.
 */
const NUMBER_MARK = '\u0000#n:';
const NUMBER_MARK_JSON = '\\u0000#n:';

export function markNonCanonicalNumbers(text: string): string {
  let parts: string[] | undefined;
  let last = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip a string: most of a typical body is strings (ids, names, dates), and indexOf jumps to
      // the closing quote far faster than a loop over its characters.
      let close = text.indexOf('"', i + 1);
      while (close !== -1 && text.charCodeAt(close - 1) === 92 && escaped(text, close)) {
        close = text.indexOf('"', close + 1);
      }
      if (close === -1) break; // Unterminated: JSON.parse rejects it.
      i = close + 1;
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) j++;
        else break;
      }
      if (!printsAsWritten(text, i, j)) {
        const token = text.slice(i, j);
        if (token !== String(Number(token))) {
          (parts ??= []).push(text.slice(last, i), '"', NUMBER_MARK_JSON, token, '"');
          last = j;
        }
      }
      i = j;
      continue;
    }
    i++;
  }
  return parts === undefined ? text : parts.join('') + text.slice(last);
}

/** Whether the quote at `at` is escaped: preceded by an odd number of backslashes. */
function escaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let k = at - 1; k >= 0 && text.charCodeAt(k) === 92; k--) backslashes++;
  return backslashes % 2 === 1;
}

/**
 * A quick, allocation-free "JavaScript prints this literal exactly as written" for the literals APIs
 * mostly send: integers and plain decimals of at most 15 significant digits (any such decimal survives
 * the round trip through a double, DBL_DIG) with no leading zero, no trailing fractional zero, no
 * exponent and not `-0`, and a magnitude of at least 1e-6 (below that JavaScript prints an exponent).
 * `false` means "not sure": the caller then compares with `String(Number(token))`.
 */
function printsAsWritten(text: string, start: number, end: number): boolean {
  let i = start;
  if (text.charCodeAt(i) === 45) i++;
  const intStart = i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  const intDigits = i - intStart;
  if (intDigits === 0) return false;
  const zeroInteger = text.charCodeAt(intStart) === 48;
  if (zeroInteger && intDigits > 1) return false;
  if (i === end) return intDigits <= 15 && !(zeroInteger && start !== intStart);
  if (text.charCodeAt(i) !== 46) return false;
  i++;
  const fracStart = i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  if (i !== end || i === fracStart || text.charCodeAt(end - 1) === 48) return false;
  if (!zeroInteger) return intDigits + (end - fracStart) <= 15;
  let leadingZeros = 0;
  while (text.charCodeAt(fracStart + leadingZeros) === 48) leadingZeros++;
  return leadingZeros <= 5 && end - fracStart - leadingZeros <= 15;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isMarkedNumber(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(NUMBER_MARK);
}

/** Values as they appear in a Difference: literal-kept numbers back to plain JSON values. */
export function plain(value: unknown): unknown {
  if (isMarkedNumber(value)) return Number(value.slice(NUMBER_MARK.length));
  if (Array.isArray(value)) return value.some(needsPlain) ? value.map(plain) : value;
  if (value !== null && typeof value === 'object') {
    if (!needsPlain(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

function needsPlain(value: unknown): boolean {
  if (isMarkedNumber(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(needsPlain);
}

export type JsonType = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean';

export function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isMarkedNumber(value)) return 'number';
  return typeof value as JsonType;
}

export function numberValue(value: unknown): number {
  return isMarkedNumber(value) ? Number(value.slice(NUMBER_MARK.length)) : (value as number);
}

export function numberSource(value: unknown): string {
  return isMarkedNumber(value) ? value.slice(NUMBER_MARK.length) : String(value);
}
