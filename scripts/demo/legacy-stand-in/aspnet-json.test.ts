import { describe, expect, test } from '@jest/globals';

import { dateOnlyAsDateTime, dateTime2, decimalOneScale, guid, int64 } from './aspnet-json.ts';

/*
 * The stand-in reads the same columns from two engines: the PostgreSQL stand-in (timestamp(6) text,
 * lower-case uuid, numeric text) and SQL Server through adapters/mssql (datetime2(7) text with all seven
 * digits, upper-case uniqueidentifier, bigint text). Both must serialise as the real legacy does.
 */

describe('System.Text.Json value formats of the legacy', () => {
  test('datetime2 is written as System.Text.Json writes a DateTime: trailing zeros of the fraction dropped', () => {
    expect(dateTime2('2026-11-21 10:15:30.1234567')).toBe('2026-11-21T10:15:30.1234567');
    expect(dateTime2('2026-11-21 10:15:30.123450')).toBe('2026-11-21T10:15:30.12345');
    expect(dateTime2('2026-11-21 10:15:30.0000000')).toBe('2026-11-21T10:15:30');
    expect(dateTime2('2026-11-21 10:15:30')).toBe('2026-11-21T10:15:30');
    expect(dateTime2(new Date('2026-11-21T10:15:30.120Z'))).toBe('2026-11-21T10:15:30.12');
  });

  test('dates are DateTimes at midnight', () => {
    expect(dateOnlyAsDateTime('2000-07-21')).toBe('2000-07-21T00:00:00');
  });

  test('GUIDs are lower-case whatever case SQL Server returns', () => {
    expect(guid('0B7C2A18-9D3E-4F51-8A6B-1C2D3E4F5A6B')).toBe('0b7c2a18-9d3e-4f51-8a6b-1c2d3e4f5a6b');
  });

  test('decimal(3,1) keeps its scale and bigint keeps every digit', () => {
    expect(JSON.stringify({ a: decimalOneScale('3.0'), b: decimalOneScale(5) })).toBe('{"a":3.0,"b":5.0}');
    expect(JSON.stringify({ v: int64('9007199254740993') })).toBe('{"v":9007199254740993}');
  });
});
