import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { openLegacyDatabase, openNewDatabase } from '../../adapters/database.ts';
import { migrateLegacyToLatest, migrateNewToLatest } from '../../adapters/migrations.ts';
import { startDemoDatabases } from './demo-databases.ts';
import type { DemoDatabases } from './demo-databases.ts';

const SQUAD = '0B5C3F0E-2F7A-4C1E-9A57-3D1F0C6B8E21';
const ORGANISATION = '8F14E45F-CEEA-467A-9575-0D1F2C3B4A01';

describe('startDemoDatabases', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('gives the demo two databases whose schemas and rows are still there after a restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'strangler-demo-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));

    let databases: DemoDatabases = await startDemoDatabases({ dataDir });
    cleanup.push(() => databases.stop());
    expect(databases.newUrl).toMatch(/\/strangler$/);
    expect(databases.legacyUrl).toMatch(/\/strangler_legacy$/);
    let newDb = openNewDatabase(databases.newUrl, { poolMax: 2 });
    let legacyDb = openLegacyDatabase(databases.legacyUrl, { poolMax: 2 });
    await Promise.all([migrateNewToLatest(newDb), migrateLegacyToLatest(legacyDb)]);
    await legacyDb
      .insertInto('dbo.Organisations')
      .values({
        OrganisationId: ORGANISATION,
        Name: 'Harbour City FC',
        CreatedAt: '2026-11-21 08:00:00',
        Version: 1,
      })
      .execute();
    await legacyDb
      .insertInto('dbo.Squads')
      .values({
        SquadId: SQUAD,
        OrganisationId: ORGANISATION,
        Name: 'U23',
        Sport: 'Football',
        CreatedAt: '2026-11-21 08:00:00.0000000',
        Version: 1,
      })
      .execute();
    await Promise.all([newDb.destroy(), legacyDb.destroy()]);
    await databases.stop();

    databases = await startDemoDatabases({ dataDir });
    newDb = openNewDatabase(databases.newUrl, { poolMax: 2 });
    legacyDb = openLegacyDatabase(databases.legacyUrl, { poolMax: 2 });
    try {
      expect(await migrateNewToLatest(newDb)).toEqual([]);
      expect(await migrateLegacyToLatest(legacyDb)).toEqual([]);
      const squads = await legacyDb.selectFrom('dbo.Squads').select(['SquadId', 'Name']).execute();
      expect(squads).toEqual([{ SquadId: SQUAD.toLowerCase(), Name: 'U23' }]);
    } finally {
      await Promise.all([newDb.destroy(), legacyDb.destroy()]);
    }
  });
});
