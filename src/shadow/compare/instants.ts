const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * The instant an ISO 8601 date-time names, at nanosecond precision, so `…10:00:00Z`,
 * `…10:00:00.0000000Z` (.NET's `O` format) and `…12:00:00+02:00` compare equal. A value without an
 * offset is a wall-clock time, never equal to one with an offset: a client would read them differently.
 */
export function instantOf(value: string): string | undefined {
  const instant = instantNanos(value);
  return instant === undefined ? undefined : `${instant.clock}:${instant.nanos}`;
}

/** The same instant as nanoseconds since the epoch, and whether it is UTC or a wall-clock time. */
export function instantNanos(value: string): { clock: 'utc' | 'local'; nanos: bigint } | undefined {
  const m = DATE_TIME.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Only real calendar values: Date.UTC would roll 2024-13-01 into 2025-01-01 and read year 0050 as 1950.
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  const wall = date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000;
  const fraction = BigInt((frac ?? '').padEnd(9, '0'));
  if (zone === undefined) return { clock: 'local', nanos: BigInt(wall) * 1_000_000n + fraction };
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes =
      (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * (zone[0] === '-' ? -1 : 1);
  }
  return { clock: 'utc', nanos: BigInt(wall - offsetMinutes * 60_000) * 1_000_000n + fraction };
}
