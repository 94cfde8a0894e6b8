/*
 * Value conversions between the legacy schema (SQL Server types) and the new one (PostgreSQL types).
 * Every synced entity mapping and the reconciliation's normaliser go through these, so "the same value"
 * means the same thing everywhere. None of them goes through a float.
 */
import { fractionToMicros } from '../../src/sync/canonical-row.ts';

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

// ---------------------------------------------------------------- GUIDs

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The new side stores uuid and PostgreSQL prints it lower-case; emit it that way. */
export function guidToNew(value: string): string {
  if (!GUID.test(value)) throw new MappingError(`not a GUID: "${value}"`);
  return value.toLowerCase();
}

/** SQL Server returns uniqueidentifier upper-case; emit that so a legacy → new → legacy trip is exact. */
export function guidToLegacy(value: string): string {
  if (!GUID.test(value)) throw new MappingError(`not a GUID: "${value}"`);
  return value.toUpperCase();
}

/** GUIDs are the same value whatever their letter case. */
export function sameGuid(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

// ---------------------------------------------------------------- datetime2(7) ↔ timestamptz

/*
 * Legacy timestamps are datetime2(7): UTC without an offset, 100 ns ticks, written
 * 'YYYY-MM-DD HH:MM:SS.fffffff'. PostgreSQL keeps microseconds, so the 7th fractional digit cannot
 * survive the trip to the new side. It is rounded exactly the way PostgreSQL rounds a 7-digit literal
 * (fractionToMicros, the rule the sync's canonical rows follow too): that is what the PostgreSQL stand-in
 * stores for the same value, so both sides of the demo agree to the microsecond. A carry can reach the
 * second, the day or the year. Coming back, the 7th digit is 0; a reconciliation compares datetimes at
 * microsecond precision (normaliseDatetime2 below).
 */

const DATETIME2 = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;
const TIMESTAMPTZ =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}(?::?\d{2})?)$/;
const TICKS_PER_MICROSECOND = 10n;
const TICKS_PER_MILLISECOND = 10_000n;

const pad = (n: number | bigint, width: number): string => String(n).padStart(width, '0');

/** Ticks (100 ns) since 1970-01-01T00:00:00Z; exact, unlike a JS Date. */
function ticksOf(
  year: string,
  month: string,
  day: string,
  hh: string,
  mm: string,
  ss: string,
  fraction: string,
  offsetMinutes: number,
): bigint {
  // Not Date.UTC(year, …): it reads years 0 to 99 as 1900 to 1999, and datetime2 starts at 0001.
  const check = new Date(0);
  check.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  check.setUTCHours(Number(hh), Number(mm), Number(ss));
  const ms = check.getTime();
  if (
    Number.isNaN(ms) ||
    check.getUTCFullYear() !== Number(year) ||
    check.getUTCMonth() + 1 !== Number(month) ||
    check.getUTCDate() !== Number(day) ||
    Number(hh) > 23 ||
    Number(mm) > 59 ||
    Number(ss) > 59
  ) {
    throw new MappingError(`not a valid date/time: ${year}-${month}-${day} ${hh}:${mm}:${ss}`);
  }
  return (
    (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * TICKS_PER_MILLISECOND + BigInt(fraction.padEnd(7, '0'))
  );
}

function formatTicks(ticks: bigint, separator: ' ' | 'T', digits: 6 | 7): string {
  const wholeMs = floorDiv(ticks, TICKS_PER_MILLISECOND);
  const rest = ticks - wholeMs * TICKS_PER_MILLISECOND; // 0..9999 ticks
  const d = new Date(Number(wholeMs));
  const fraction7 = pad(d.getUTCMilliseconds(), 3) + pad(rest, 4);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return `${date}${separator}${time}.${fraction7.slice(0, digits)}`;
}

interface Datetime2Parts {
  /** Ticks of the whole second. */
  readonly secondTicks: bigint;
  /** The fractional digits as written (0 to 7 of them). */
  readonly fraction: string;
}

function parseDatetime2(value: string): Datetime2Parts {
  const m = DATETIME2.exec(value);
  if (m === null) throw new MappingError(`not a datetime2 value: "${value}"`);
  const t = dateTimeGroups(m);
  return { secondTicks: ticksOf(t.y, t.mo, t.d, t.hh, t.mi, t.ss, '', 0), fraction: t.fraction };
}

/** The groups DATETIME2 and TIMESTAMPTZ both start with: year to seconds, then the fraction (maybe empty). */
function dateTimeGroups(m: RegExpExecArray) {
  const [, y = '', mo = '', d = '', hh = '', mi = '', ss = '', fraction = ''] = m;
  return { y, mo, d, hh, mi, ss, fraction };
}

function parseDatetime2Ticks(value: string): bigint {
  const { secondTicks, fraction } = parseDatetime2(value);
  return secondTicks + BigInt(fraction.padEnd(7, '0'));
}

function offsetMinutesOf(offset: string): number {
  if (offset === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}

function timestamptzTicks(value: Date | string): bigint {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new MappingError('invalid Date');
    // Set by the PostgreSQL dialect's timestamptz parser (adapters/postgres/dialect.ts).
    const micros = (value as Date & { microsecondsDelta?: number }).microsecondsDelta ?? 0;
    return BigInt(value.getTime()) * TICKS_PER_MILLISECOND + BigInt(micros) * TICKS_PER_MICROSECOND;
  }
  const m = TIMESTAMPTZ.exec(value);
  if (m === null) throw new MappingError(`not a timestamptz value: "${value}"`);
  const t = dateTimeGroups(m);
  return ticksOf(t.y, t.mo, t.d, t.hh, t.mi, t.ss, t.fraction, offsetMinutesOf(m[8] ?? 'Z'));
}

/**
 * Legacy datetime2 text → an ISO-8601 UTC string with microseconds, which PostgreSQL stores exactly in a
 * timestamptz ('2026-01-02 03:04:05.1234567' → '2026-01-02T03:04:05.123457Z').
 */
export function datetime2ToTimestamptz(value: string): string {
  const { secondTicks, fraction } = parseDatetime2(value);
  const micros = fractionToMicros(fraction);
  return `${formatTicks(secondTicks + BigInt(micros) * TICKS_PER_MICROSECOND, 'T', 6)}Z`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/**
 * A timestamptz (a Date from the PostgreSQL dialect, or PostgreSQL/ISO text with an offset) → datetime2(7)
 * text in UTC. Dates read through adapters/postgres/dialect.ts keep their microseconds; any other Date
 * carries milliseconds only.
 */
export function timestamptzToDatetime2(value: Date | string): string {
  return formatTicks(timestamptzTicks(value), ' ', 7);
}

/**
 * Any datetime2 text (7 digits from SQL Server, or the PostgreSQL stand-in's timestamp(6) text, which
 * drops trailing zeros: '2026-01-02 03:04:05.12') → the canonical 7-digit form.
 */
export function widenDatetime2(value: string): string {
  return formatTicks(parseDatetime2Ticks(value), ' ', 7);
}

/** The comparable form of a legacy datetime on both sides: microsecond precision, rounded like the mapping. */
export function normaliseDatetime2(value: string): string {
  return timestamptzToDatetime2(datetime2ToTimestamptz(value));
}

// ---------------------------------------------------------------- dates, bits, decimals, bigints

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `date` on both sides as 'YYYY-MM-DD' (never a Date: a local-time midnight shifts the day). */
export function dateOnly(value: string): string {
  const m = DATE_ONLY.exec(value);
  if (m === null) throw new MappingError(`not a date: "${value}"`);
  ticksOf(m[1] ?? '', m[2] ?? '', m[3] ?? '', '00', '00', '00', '', 0);
  return value;
}

/** bit ↔ boolean. mssql already returns booleans; 0/1 are accepted from raw T-SQL results. */
export function bitToBoolean(value: boolean | number): boolean {
  if (value === true || value === 1) return true;
  if (value === false || value === 0) return false;
  throw new MappingError(`not a bit: ${String(value)}`);
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * A decimal as a fixed-scale string ('4' → '4.0', '4.10' → '4.1' for scale 1), by string manipulation.
 * Digits beyond the scale must be zeros: rounding is the writer's job (computeWellnessScore), not a mapping's.
 */
export function fixedScale(value: string, scale: number): string {
  const m = DECIMAL.exec(value.trim());
  if (m === null) throw new MappingError(`not a decimal: "${value}"`);
  const [, sign = '', whole = '', fraction = ''] = m;
  if (/[1-9]/.test(fraction.slice(scale))) {
    throw new MappingError(`"${value}" has more than ${scale} decimal place(s)`);
  }
  const integer = whole.replace(/^0+(?=\d)/, '');
  const digits = fraction.slice(0, scale).padEnd(scale, '0');
  const text = scale === 0 ? integer : `${integer}.${digits}`;
  return /^[0.]+$/.test(text) ? text : `${sign}${text}`;
}

/** bigint columns travel as decimal strings (beyond 2^53 a number would lose digits). */
export function bigintText(value: string | number | bigint): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw new MappingError(`unsafe integer ${value}`);
  const text = String(value);
  if (!/^-?\d+$/.test(text)) throw new MappingError(`not an integer: "${text}"`);
  return BigInt(text).toString();
}
