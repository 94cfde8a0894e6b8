import { describe, expect, it } from '@jest/globals';

import { latestChangePerKey } from './latest-changes.ts';
import type { LegacyChangeRef } from './sync-engine.ts';

const KEY = '0b5a6d6e-1c1e-4c2e-9f0a-6a1f2d3c4b5a';
const ref = (operation: 'upsert' | 'delete', version: string): LegacyChangeRef => ({
  entity: 'squads',
  key: KEY,
  operation,
  version,
  changedAt: new Date(),
});

describe('latestChangePerKey', () => {
  it('sends a key changed several times once, as the current legacy row', () => {
    const row = { id: KEY, name: 'Now', version: '7' };
    const [first, ...rest] = latestChangePerKey({
      changes: [ref('upsert', '5'), ref('upsert', '6')],
      rows: new Map([[`squads:${KEY}`, row]]),
    });
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ entity: 'squads', key: KEY, operation: 'upsert', version: '7', row });
  });

  it('sends a key legacy no longer has as a delete at the highest version seen', () => {
    const changes = latestChangePerKey({
      changes: [ref('upsert', '9'), ref('delete', '8')],
      rows: new Map(),
    });
    expect(changes).toEqual([
      {
        eventId: expect.any(String),
        entity: 'squads',
        key: KEY,
        operation: 'delete',
        version: '9',
        row: null,
      },
    ]);
  });
});
