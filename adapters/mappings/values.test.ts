import { describe, expect, it } from '@jest/globals';

import {
  bigintText,
  bitToBoolean,
  dateOnly,
  datetime2ToTimestamptz,
  fixedScale,
  guidToLegacy,
  guidToNew,
  MappingError,
  normaliseDatetime2,
  sameGuid,
  timestamptzToDatetime2,
  widenDatetime2,
} from './values.ts';
import { createSeededRandom } from '../../scripts/demo/seeded-random.ts';

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function randomDatetime2(random: () => number): string {
  // 1970..2099, any tick of the day.
  const ms = Math.floor(random() * Date.UTC(2100, 0, 1));
  const d = new Date(ms);
  const ticks = Math.floor(random() * 10_000);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.` +
    `${pad(d.getUTCMilliseconds(), 3)}${pad(ticks, 4)}`
  );
}

describe('GUIDs', () => {
  it('emit lower-case on the new side and upper-case (SQL Server style) on the legacy side', () => {
    expect(guidToNew('0B5C3F0E-2F7A-4C1E-9A57-3D1F0C6B8E21')).toBe('0b5c3f0e-2f7a-4c1e-9a57-3d1f0c6b8e21');
    expect(guidToLegacy('0b5c3f0e-2f7a-4c1e-9a57-3d1f0c6b8e21')).toBe('0B5C3F0E-2F7A-4C1E-9A57-3D1F0C6B8E21');
    expect(sameGuid('0B5C3F0E-2F7A-4C1E-9A57-3D1F0C6B8E21', '0b5c3f0e-2f7a-4c1e-9a57-3d1f0c6b8e21')).toBe(
      true,
    );
  });

  it('refuse anything that is not a GUID instead of passing it through', () => {
    expect(() => guidToNew('not-a-guid')).toThrow(MappingError);
    expect(() => guidToLegacy('{0b5c3f0e-2f7a-4c1e-9a57-3d1f0c6b8e21}')).toThrow(MappingError);
  });
});

describe('datetime2(7) ↔ timestamptz', () => {
  it('keeps microseconds and rounds the lost 100 ns digit the way PostgreSQL does (checked against 15 and 18)', () => {
    expect(datetime2ToTimestamptz('2026-01-02 03:04:05.1234564')).toBe('2026-01-02T03:04:05.123456Z');
    expect(datetime2ToTimestamptz('2026-01-02 03:04:05.1234566')).toBe('2026-01-02T03:04:05.123457Z');
    // Exact ties: half to even, as C's rint() on the double PostgreSQL computes.
    expect(datetime2ToTimestamptz('2020-01-01 00:00:00.0000015')).toBe('2020-01-01T00:00:00.000002Z');
    expect(datetime2ToTimestamptz('2020-01-01 00:00:00.0000025')).toBe('2020-01-01T00:00:00.000002Z');
    expect(datetime2ToTimestamptz('2020-01-01 00:00:00.0037655')).toBe('2020-01-01T00:00:00.003766Z');
    expect(datetime2ToTimestamptz('2020-01-01 00:00:00.1693045')).toBe('2020-01-01T00:00:00.169304Z');
    expect(timestamptzToDatetime2('2026-01-02T03:04:05.123457Z')).toBe('2026-01-02 03:04:05.1234570');
  });

  it('carries a rounded-up microsecond into the next second, day and year', () => {
    expect(datetime2ToTimestamptz('2025-12-31 23:59:59.9999995')).toBe('2026-01-01T00:00:00.000000Z');
    expect(datetime2ToTimestamptz('2024-02-28 23:59:59.9999999')).toBe('2024-02-29T00:00:00.000000Z');
  });

  it('reads PostgreSQL timestamptz text with any offset, and Dates with their millisecond precision', () => {
    expect(timestamptzToDatetime2('2026-01-02 05:04:05.5+02')).toBe('2026-01-02 03:04:05.5000000');
    expect(timestamptzToDatetime2('2026-01-01 20:34:05.000001-05:30')).toBe('2026-01-02 02:04:05.0000010');
    expect(timestamptzToDatetime2(new Date('2026-01-02T03:04:05.123Z'))).toBe('2026-01-02 03:04:05.1230000');
  });

  it('widens the stand-in timestamp(6) text, which drops trailing zeros, to seven digits', () => {
    expect(widenDatetime2('2026-01-02 03:04:05')).toBe('2026-01-02 03:04:05.0000000');
    expect(widenDatetime2('2026-01-02 03:04:05.12')).toBe('2026-01-02 03:04:05.1200000');
  });

  it('keeps the years 0001 to 0099, which datetime2 allows', () => {
    expect(widenDatetime2('0050-06-07 08:09:10.5')).toBe('0050-06-07 08:09:10.5000000');
    expect(datetime2ToTimestamptz('0001-01-01 00:00:00.0000004')).toBe('0001-01-01T00:00:00.000000Z');
    expect(timestamptzToDatetime2('0099-12-31T23:59:59.999999Z')).toBe('0099-12-31 23:59:59.9999990');
  });

  it('rejects impossible dates and malformed text', () => {
    expect(() => datetime2ToTimestamptz('2026-02-30 00:00:00.0000000')).toThrow(MappingError);
    expect(() => datetime2ToTimestamptz('2026-01-02 24:00:00')).toThrow(MappingError);
    expect(() => datetime2ToTimestamptz('2026-01-02T03:04:05Z')).toThrow(MappingError);
    expect(() => timestamptzToDatetime2('2026-01-02 03:04:05')).toThrow(MappingError);
  });

  it('round-trips 5000 generated values: legacy → new → legacy loses only the 7th digit, and only by rounding', () => {
    const random = createSeededRandom(20261121).next;
    for (let i = 0; i < 5000; i++) {
      const legacy = randomDatetime2(random);
      const back = timestamptzToDatetime2(datetime2ToTimestamptz(legacy));
      expect(back.endsWith('0')).toBe(true);
      const diffTicks =
        (Date.parse(back.replace(' ', 'T').slice(0, 23) + 'Z') -
          Date.parse(legacy.replace(' ', 'T').slice(0, 23) + 'Z')) *
          10_000 +
        Number(back.slice(23)) -
        Number(legacy.slice(23));
      expect(Math.abs(diffTicks)).toBeLessThanOrEqual(5);
      // The comparison form is stable: normalising twice changes nothing, and both sides normalise equal.
      expect(normaliseDatetime2(back)).toBe(back);
      expect(normaliseDatetime2(legacy)).toBe(back);
    }
  });

  it('round-trips 5000 generated microsecond values exactly: new → legacy → new', () => {
    const random = createSeededRandom(7).next;
    for (let i = 0; i < 5000; i++) {
      const legacy = randomDatetime2(random).slice(0, 26) + '0';
      const iso = datetime2ToTimestamptz(legacy);
      expect(datetime2ToTimestamptz(timestamptzToDatetime2(iso))).toBe(iso);
      expect(timestamptzToDatetime2(iso)).toBe(legacy);
    }
  });
});

describe('dates, bits, decimals and bigints', () => {
  it('keeps date-only values as text and rejects impossible dates', () => {
    expect(dateOnly('2000-02-29')).toBe('2000-02-29');
    expect(() => dateOnly('2001-02-29')).toThrow(MappingError);
    expect(() => dateOnly('2001-2-3')).toThrow(MappingError);
  });

  it('maps bit 0/1 and booleans to booleans, nothing else', () => {
    expect([bitToBoolean(1), bitToBoolean(0), bitToBoolean(true), bitToBoolean(false)]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(() => bitToBoolean(2)).toThrow(MappingError);
  });

  it('writes decimals at a fixed scale without passing through a float', () => {
    expect(fixedScale('4', 1)).toBe('4.0');
    expect(fixedScale('4.10', 1)).toBe('4.1');
    expect(fixedScale('004.5', 1)).toBe('4.5');
    expect(fixedScale('-0.0', 1)).toBe('0.0');
    expect(fixedScale('12345678901234567890.1', 1)).toBe('12345678901234567890.1');
    expect(() => fixedScale('4.15', 1)).toThrow(/more than 1 decimal/);
    expect(() => fixedScale('4,5', 1)).toThrow(MappingError);
  });

  it('keeps every decimal(3,1) value identical through the mapping', () => {
    for (let tenths = -999; tenths <= 999; tenths++) {
      const sign = tenths < 0 ? '-' : '';
      const text = `${sign}${Math.floor(Math.abs(tenths) / 10)}.${Math.abs(tenths) % 10}`;
      expect(fixedScale(text, 1)).toBe(text === '-0.0' ? '0.0' : text);
    }
  });

  it('keeps bigint versions beyond 2^53 exact', () => {
    expect(bigintText('9223372036854775807')).toBe('9223372036854775807');
    expect(bigintText(3)).toBe('3');
    expect(() => bigintText(2 ** 60)).toThrow(MappingError);
    expect(() => bigintText('1e3')).toThrow(MappingError);
  });
});

describe('timestamptz Dates from the PostgreSQL dialect', () => {
  it('keep the microseconds PostgreSQL printed, in any offset and with fewer digits', async () => {
    const { parseTimestamptz } = await import('../postgres/dialect.ts');
    expect(timestamptzToDatetime2(parseTimestamptz('2026-01-02 03:04:05.123456+00'))).toBe(
      '2026-01-02 03:04:05.1234560',
    );
    expect(timestamptzToDatetime2(parseTimestamptz('2026-01-02 05:04:05.5+02'))).toBe(
      '2026-01-02 03:04:05.5000000',
    );
    expect(timestamptzToDatetime2(parseTimestamptz('2026-01-02 03:04:05+00'))).toBe(
      '2026-01-02 03:04:05.0000000',
    );
    expect(parseTimestamptz('2026-01-02 03:04:05.123456+00').toISOString()).toBe('2026-01-02T03:04:05.123Z');
  });
});
