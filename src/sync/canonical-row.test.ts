import { describe, expect, it } from '@jest/globals';

import { datetime2ToTimestamptz } from '../../adapters/mappings/values.ts';
import {
  canonicalRow,
  canonicalRowFromLegacy,
  canonicalValue,
  rowsEqual,
  ValueFormatError,
} from './canonical-row.ts';
import { syncEntity } from './sync-entities.ts';
import type { SyncColumn } from './sync-entities.ts';

const column = (kind: SyncColumn['kind'], extra: Partial<SyncColumn> = {}): SyncColumn => ({
  name: 'c',
  legacyName: 'C',
  kind,
  nullable: false,
  ...extra,
});

describe('canonical values (the form both sides are compared in)', () => {
  it('lower-cases GUIDs, as SQL Server returns them upper-case', () => {
    expect(canonicalValue(column('uuid'), 'A1B2C3D4-0000-4000-8000-00000000ABCD')).toBe(
      'a1b2c3d4-0000-4000-8000-00000000abcd',
    );
  });

  it.each([
    ['2026-01-02 03:04:05.1234564', '2026-01-02T03:04:05.123456Z'], // datetime2(7): 7th digit rounded,
    ['2026-01-02 03:04:05.1234567', '2026-01-02T03:04:05.123457Z'], // as the mappings and PostgreSQL do
    ['2025-12-31 23:59:59.9999995', '2026-01-01T00:00:00.000000Z'], // carrying into the next second and year
    ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05.000000Z'],
    ['2026-01-02T03:04:05.5+00:00', '2026-01-02T03:04:05.500000Z'],
    ['2026-01-02T05:04:05.123+02:00', '2026-01-02T03:04:05.123000Z'],
  ])('reads datetime %s as %s', (input, expected) => {
    expect(canonicalValue(column('datetime'), input)).toBe(expected);
  });

  it('rounds the lost 100 ns digit exactly as the entity mappings do, ties and carries included', () => {
    const fractions = ['0000015', '0000025', '0037655', '1693045', '9999995', '9999994', '5000005'];
    for (let i = 0; i < 2000; i++) fractions.push(String((i * 7_919_993) % 10_000_000).padStart(7, '0'));
    const mismatched = fractions
      .map((f) => `2024-02-28 23:59:59.${f}`)
      .filter((v) => canonicalValue(column('datetime'), v) !== datetime2ToTimestamptz(v));
    expect(mismatched).toEqual([]);
  });

  it('reads a JS Date at its millisecond precision', () => {
    expect(canonicalValue(column('datetime'), new Date('2026-01-02T03:04:05.678Z'))).toBe(
      '2026-01-02T03:04:05.678000Z',
    );
  });

  it.each([
    [true, 'true'],
    [1, 'true'],
    ['1', 'true'],
    [false, 'false'],
    [0, 'false'],
    ['0', 'false'],
  ])('reads bit/boolean %p as %s', (input, expected) => {
    expect(canonicalValue(column('boolean'), input)).toBe(expected);
  });

  it.each([
    ['3.5', '3.5'],
    ['3.50', '3.5'],
    ['3', '3.0'],
    [3.5, '3.5'],
    [0.1 + 0.2, '0.3'],
    ['3.45', '3.5'],
    ['-3.45', '-3.5'],
    ['-0.04', '0.0'],
    ['.5', '0.5'],
  ])('reads decimal(3,1) %p as %s by digits, never through a float sum', (input, expected) => {
    expect(canonicalValue(column('decimal', { precision: 3, scale: 1 }), input)).toBe(expected);
  });

  it('keeps bigint versions exact beyond 2^53', () => {
    expect(canonicalValue(column('bigint'), '9007199254740993')).toBe('9007199254740993');
    expect(canonicalValue(column('bigint'), 9007199254740993n)).toBe('9007199254740993');
    expect(() => canonicalValue(column('bigint'), 2 ** 60)).toThrow(ValueFormatError);
  });

  it('distinguishes NULL from every string and refuses NULL in a NOT NULL column', () => {
    expect(canonicalValue(column('text', { nullable: true }), null)).toBeNull();
    expect(() => canonicalValue(column('text'), null)).toThrow(ValueFormatError);
    const wellness = syncEntity('wellness_entries');
    const base = {
      id: 'x',
      athlete_id: 'y',
      entry_date: '2026-01-01',
      sleep: 1,
      soreness: 1,
      fatigue: 1,
      stress: 1,
      mood: 1,
      score: '1.0',
      created_at: '2026-01-01T00:00:00Z',
      version: 1,
    };
    expect(
      rowsEqual(
        wellness,
        canonicalRow(wellness, { ...base, notes: null }),
        canonicalRow(wellness, { ...base, notes: '' }),
      ),
    ).toBe(false);
    expect(
      rowsEqual(
        wellness,
        canonicalRow(wellness, { ...base, notes: '␀' }),
        canonicalRow(wellness, { ...base, notes: null }),
      ),
    ).toBe(false);
  });

  it('makes a legacy row and its new-side copy equal despite driver formats', () => {
    const athletes = syncEntity('athletes');
    const legacy = canonicalRowFromLegacy(athletes, {
      AthleteId: 'A1B2C3D4-0000-4000-8000-00000000ABCD',
      SquadId: '11111111-AAAA-4000-8000-000000000000',
      FirstName: 'Zoë',
      LastName: 'Ng',
      Email: 'Zoe@Example.test',
      DateOfBirth: '2001-02-03',
      Position: null,
      IsActive: 1,
      CreatedAt: '2026-01-02 03:04:05.1234560',
      UpdatedAt: '2026-01-02 03:04:05.0000019',
      Version: '4',
    });
    const fresh = canonicalRow(athletes, {
      id: 'a1b2c3d4-0000-4000-8000-00000000abcd',
      squad_id: '11111111-aaaa-4000-8000-000000000000',
      first_name: 'Zoë',
      last_name: 'Ng',
      email: 'Zoe@Example.test',
      date_of_birth: '2001-02-03',
      position: null,
      is_active: true,
      created_at: '2026-01-02T03:04:05.123456Z',
      updated_at: '2026-01-02T03:04:05.000002Z', // the 7th digit rounded, as the mapping wrote it
      version: 4,
    });
    expect(rowsEqual(athletes, legacy, fresh)).toBe(true);
    expect(rowsEqual(athletes, legacy, { ...fresh, email: 'zoe@example.test' })).toBe(false);
  });
});
