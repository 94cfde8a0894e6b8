import type { SyncColumn, SyncEntity } from './sync-entities.ts';

/**
 * One textual form per value, whichever engine or driver produced it. The relay carries
 * rows in this form, both change directions compare in it, and reconciliation hashes it:
 *  - GUIDs lower-case (SQL Server returns upper-case uniqueidentifier strings);
 *  - datetimes `YYYY-MM-DDTHH:MM:SS.ffffffZ`: timestamptz keeps microseconds, so datetime2(7)'s
 *    seventh digit is rounded as PostgreSQL rounds a literal's (fractionToMicros), carrying into the
 *    next second when it must: the one rule the entity mappings (adapters/mappings/values.ts) follow too;
 *  - booleans `true`/`false` (bit 1/0);
 *  - decimals at the column's fixed scale, computed on digits, never through a float;
 *  - integers in decimal text (bigint never through a JS number).
 */
export type CanonicalValue = string | null;
export type CanonicalRow = Readonly<Record<string, CanonicalValue>>;

export class ValueFormatError extends Error {
  constructor(column: string, value: unknown) {
    super(`column ${column}: cannot read ${JSON.stringify(String(value))}`);
    this.name = 'ValueFormatError';
  }
}

const DATETIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]00(?::?00)?)?$/i;
const DATE = /^(\d{4}-\d{2}-\d{2})/;
const INTEGER = /^-?\d+$/;
const CANONICAL_INTEGER = /^(?:0|-?[1-9]\d*)$/;
const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

export function canonicalValue(column: SyncColumn, value: unknown): CanonicalValue {
  if (value === null || value === undefined) {
    if (!column.nullable) throw new ValueFormatError(column.name, value);
    return null;
  }
  switch (column.kind) {
    case 'uuid':
      return String(value).toLowerCase();
    case 'text':
      return String(value);
    case 'date':
      return canonicalDate(column, value);
    case 'datetime':
      return canonicalDatetime(column, value);
    case 'boolean':
      return canonicalBoolean(column, value);
    case 'smallint':
    case 'bigint':
      return canonicalInteger(column, value);
    case 'decimal':
      return canonicalDecimal(column, value);
  }
}

function canonicalDate(column: SyncColumn, value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  const match = DATE.exec(String(value));
  if (match?.[1] === undefined) throw new ValueFormatError(column.name, value);
  return match[1];
}

function canonicalDatetime(column: SyncColumn, value: unknown): string {
  // Fast path: already canonical (what the PostgreSQL readers produce), checked without a regex.
  if (
    typeof value === 'string' &&
    value.length === 27 &&
    value[10] === 'T' &&
    value[19] === '.' &&
    value[26] === 'Z'
  ) {
    return value;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ValueFormatError(column.name, value);
    return `${value.toISOString().slice(0, 23)}000Z`;
  }
  const text = String(value).trim();
  const match = DATETIME.exec(text);
  if (match !== null) {
    const micros = fractionToMicros(match[3] ?? '');
    if (micros < 1_000_000) return `${match[1]}T${match[2]}.${String(micros).padStart(6, '0')}Z`;
    const next = new Date(Date.parse(`${match[1]}T${match[2]}Z`) + 1000);
    return `${next.toISOString().slice(0, 19)}.000000Z`;
  }
  // Another offset: only milliseconds survive Date, which is all such inputs (JSON from clients) carry.
  const parsed = new Date(text);
  if (Number.isNaN(parsed.getTime())) throw new ValueFormatError(column.name, value);
  return `${parsed.toISOString().slice(0, 23)}000Z`;
}

/**
 * The microseconds of a fraction of a second (its digits after the point), rounded exactly as PostgreSQL
 * rounds a timestamp literal's (src/backend/utils/adt/datetime.c, ParseFractionalSecond:
 * rint(strtod("0.fffffff") * 1e6), half to even on a double, so about 1% of exact ties go the "wrong"
 * way): what the stand-in stores for the same text. 1_000_000 means a carry into the next second.
 */
export function fractionToMicros(fraction: string): number {
  return fraction === '' ? 0 : rint(Number(`0.${fraction}`) * 1e6);
}

/** C's rint() in the default rounding mode: nearest, ties to even. */
function rint(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function canonicalBoolean(column: SyncColumn, value: unknown): string {
  if (value === true || value === 1 || value === '1' || value === 'true' || value === 't') return 'true';
  if (value === false || value === 0 || value === '0' || value === 'false' || value === 'f') return 'false';
  throw new ValueFormatError(column.name, value);
}

function canonicalInteger(column: SyncColumn, value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new ValueFormatError(column.name, value);
    return String(value);
  }
  const text = String(value).trim();
  if (CANONICAL_INTEGER.test(text)) return text;
  if (!INTEGER.test(text)) throw new ValueFormatError(column.name, value);
  return BigInt(text).toString();
}

/** Fixed scale by digit arithmetic; half away from zero like SQL Server's and PostgreSQL's numeric casts. */
function canonicalDecimal(column: SyncColumn, value: unknown): string {
  const scale = column.scale ?? 0;
  const text = typeof value === 'number' ? numberToPlainString(column, value) : String(value).trim();
  if (isCanonicalDecimal(text, scale)) return text;
  const match = DECIMAL.exec(text);
  if (match === null || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new ValueFormatError(column.name, value);
  }
  const negative = match[1] === '-';
  const whole = match[2] === '' ? '0' : (match[2] ?? '0');
  const fraction = match[3] ?? '';
  let scaled = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  const next = fraction.charAt(scale);
  if (next !== '' && next >= '5') scaled += 1n;
  const digits = scaled.toString().padStart(scale + 1, '0');
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative && scaled !== 0n ? `-${body}` : body;
}

const CANONICAL_DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

function isCanonicalDecimal(text: string, scale: number): boolean {
  if (!CANONICAL_DECIMAL.test(text)) return false;
  if (text.startsWith('-') && !/[1-9]/.test(text)) return false; // negative zero is written 0
  const dot = text.indexOf('.');
  return scale === 0 ? dot === -1 : dot !== -1 && text.length - dot - 1 === scale;
}

function numberToPlainString(column: SyncColumn, value: number): string {
  if (!Number.isFinite(value)) throw new ValueFormatError(column.name, value);
  // Shortest round-trip text of the double (e.g. 7.5, not 7.4999999), then digit arithmetic from there.
  const text = String(value);
  return text.includes('e') ? value.toFixed(20) : text;
}

export function canonicalRow(entity: SyncEntity, row: Readonly<Record<string, unknown>>): CanonicalRow {
  const result: Record<string, CanonicalValue> = {};
  for (const column of entity.columns) result[column.name] = canonicalValue(column, row[column.name]);
  return result;
}

/** Same as canonicalRow for a row read with legacy (PascalCase) column names. */
export function canonicalRowFromLegacy(
  entity: SyncEntity,
  row: Readonly<Record<string, unknown>>,
): CanonicalRow {
  const result: Record<string, CanonicalValue> = {};
  for (const column of entity.columns) result[column.name] = canonicalValue(column, row[column.legacyName]);
  return result;
}

/**
 * The row as one string: columns in descriptor order, each value length-prefixed and NULL written as a
 * bare marker, so no text value (not even one containing the marker or a separator) can stand for NULL or
 * shift into the next column.
 */
export function rowFingerprint(entity: SyncEntity, row: CanonicalRow): string {
  let out = '';
  for (const column of entity.columns) {
    const value = row[column.name];
    out += value === null || value === undefined ? '~|' : `${value.length}:${value}|`;
  }
  return out;
}

export function rowsEqual(entity: SyncEntity, a: CanonicalRow, b: CanonicalRow): boolean {
  return rowFingerprint(entity, a) === rowFingerprint(entity, b);
}

/**
 * A fast 64-bit (two 32-bit lanes) hash of a string for reconciliation digests: FNV-1a and a
 * multiply-rotate lane with another seed. Not cryptographic; it only has to make an accidental
 * difference between two copies of a row show up, and runs in-line in V8 without a native call per row.
 */
export function fastHash64(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x85ebca6b);
    b = (b << 13) | (b >>> 19);
  }
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  return [a >>> 0, (b ^ (b >>> 13)) >>> 0];
}
