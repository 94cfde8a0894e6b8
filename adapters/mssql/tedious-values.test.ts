import { describe, expect, it } from '@jest/globals';
import * as Tedious from 'tedious';

import { adaptTediousRequest } from './dialect.ts';
import { convertTediousValue, datetime2FromTedious } from './tedious-values.ts';

/** A Date as tedious builds it for datetime2 (value-parser.js: ms in the Date, the rest in nanosecondsDelta). */
function tediousDatetime2(iso: string, extraTicks: number): Date {
  const date = new Date(iso);
  Object.defineProperty(date, 'nanosecondsDelta', { enumerable: false, value: extraTicks / 1e7 });
  return date;
}

const meta = (name: string, scale?: number) => ({ colName: 'c', type: { name }, scale });

describe('tedious values → adapters/schema.ts formats', () => {
  it('restores all seven datetime2 digits from the Date and its nanosecondsDelta', () => {
    expect(datetime2FromTedious(tediousDatetime2('2026-01-02T03:04:05.123Z', 4567))).toBe(
      '2026-01-02 03:04:05.1234567',
    );
    expect(datetime2FromTedious(tediousDatetime2('1999-12-31T23:59:59.999Z', 9999))).toBe(
      '1999-12-31 23:59:59.9999999',
    );
    const wrong: number[] = [];
    for (let ticks = 0; ticks < 10_000; ticks++) {
      const text = datetime2FromTedious(tediousDatetime2('2026-01-02T03:04:05.000Z', ticks));
      if (text !== `2026-01-02 03:04:05.000${String(ticks).padStart(4, '0')}`) wrong.push(ticks);
    }
    expect(wrong).toEqual([]);
  });

  it('turns date columns into YYYY-MM-DD and decimals into fixed-scale strings', () => {
    expect(convertTediousValue(meta('DateN'), new Date('2001-02-03T00:00:00Z'))).toBe('2001-02-03');
    expect(convertTediousValue(meta('DecimalN', 1), 4)).toBe('4.0');
    expect(convertTediousValue(meta('DecimalN', 1), 3.3)).toBe('3.3');
    expect(convertTediousValue(meta('DateTime2N'), null)).toBeNull();
    expect(convertTediousValue(meta('UniqueIdentifier'), '0B5C3F0E-2F7A-4C1E-9A57-3D1F0C6B8E21')).toBe(
      '0B5C3F0E-2F7A-4C1E-9A57-3D1F0C6B8E21',
    );
  });

  it('converts the rows kysely’s driver receives from a tedious Request, and lets it unsubscribe', () => {
    const request = adaptTediousRequest(new Tedious.Request('select 1', () => undefined));
    const seen: unknown[] = [];
    const listener = (columns: { metadata: { colName: string }; value: unknown }[]): void => {
      seen.push(Object.fromEntries(columns.map((c) => [c.metadata.colName, c.value])));
    };
    request.on('row', listener);
    request.emit('row', [
      {
        metadata: { colName: 'CreatedAt', type: { name: 'DateTime2N' } },
        value: tediousDatetime2('2026-01-02T03:04:05.123Z', 4567),
      },
      { metadata: { colName: 'Score', type: { name: 'DecimalN' }, scale: 1 }, value: 4.5 },
    ]);
    request.off('row', listener);
    request.emit('row', []);
    expect(seen).toEqual([{ CreatedAt: '2026-01-02 03:04:05.1234567', Score: '4.5' }]);
  });

  it('sends Date parameters as datetime2(7), not as datetime (1/300 s precision)', () => {
    const request = adaptTediousRequest(new Tedious.Request('select @1, @2', () => undefined));
    request.addParameter('1', Tedious.TYPES.DateTime, new Date('2026-01-02T03:04:05.123Z'));
    request.addParameter('2', Tedious.TYPES.NVarChar, 'x');
    const parameters = (request as unknown as { parameters: { type: { name: string }; scale?: number }[] })
      .parameters;
    expect(parameters.map((p) => [p.type.name, p.scale])).toEqual([
      ['DateTime2', 7],
      ['NVarChar', undefined],
    ]);
  });
});
