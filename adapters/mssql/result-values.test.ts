import { describe, expect, it } from '@jest/globals';
import sql from 'mssql';

import { convertResultValue, datetime2FromDate } from './result-values.ts';
import { runRequest } from './run-request.ts';
import type { MssqlRequest } from './run-request.ts';

/** A Date as tedious builds it for datetime2 (value-parser.js: ms in the Date, the rest in nanosecondsDelta). */
function tediousDatetime2(iso: string, extraTicks: number): Date {
  const date = new Date(iso);
  Object.defineProperty(date, 'nanosecondsDelta', { enumerable: false, value: extraTicks / 1e7 });
  return date;
}

describe('mssql result values → adapters/schema.ts formats', () => {
  it('restores all seven datetime2 digits from the Date and its nanosecondsDelta', () => {
    expect(datetime2FromDate(tediousDatetime2('2026-01-02T03:04:05.123Z', 4567))).toBe(
      '2026-01-02 03:04:05.1234567',
    );
    expect(datetime2FromDate(tediousDatetime2('1999-12-31T23:59:59.999Z', 9999))).toBe(
      '1999-12-31 23:59:59.9999999',
    );
    const wrong: number[] = [];
    for (let ticks = 0; ticks < 10_000; ticks++) {
      const text = datetime2FromDate(tediousDatetime2('2026-01-02T03:04:05.000Z', ticks));
      if (text !== `2026-01-02 03:04:05.000${String(ticks).padStart(4, '0')}`) wrong.push(ticks);
    }
    expect(wrong).toEqual([]);
  });

  it('turns date columns into YYYY-MM-DD and decimals into fixed-scale strings', () => {
    expect(convertResultValue({ type: sql.Date }, new Date('2001-02-03T00:00:00Z'))).toBe('2001-02-03');
    expect(convertResultValue({ type: sql.Decimal, scale: 1 }, 4)).toBe('4.0');
    expect(convertResultValue({ type: sql.Numeric, scale: 1 }, 3.3)).toBe('3.3');
    expect(convertResultValue({ type: sql.DateTime2 }, null)).toBeNull();
    expect(convertResultValue({ type: sql.UniqueIdentifier }, '0B5C3F0E-2F7A-4C1E-9A57-3D1F0C6B8E21')).toBe(
      '0B5C3F0E-2F7A-4C1E-9A57-3D1F0C6B8E21',
    );
  });

  it('converts the rows of every recordset an mssql request returns, by its column metadata', async () => {
    const recordset = (rows: Record<string, unknown>[], columns: Record<string, unknown>) =>
      Object.defineProperty(rows, 'columns', { value: columns, enumerable: false });
    const request: MssqlRequest = {
      input: () => undefined,
      query: async () => ({
        recordsets: [
          recordset([{ CreatedAt: tediousDatetime2('2026-01-02T03:04:05.123Z', 4567), Score: 4.5 }], {
            CreatedAt: { type: sql.DateTime2, scale: 7 },
            Score: { type: sql.Decimal, scale: 1 },
          }),
          recordset([{ n: 1 }], { n: { type: sql.Int } }),
        ],
        rowsAffected: [1, 1],
      }),
    };
    expect(await runRequest(request, 'select …', [])).toEqual({
      rows: [{ CreatedAt: '2026-01-02 03:04:05.1234567', Score: '4.5' }, { n: 1 }],
      rowsAffected: 2,
    });
  });
});
