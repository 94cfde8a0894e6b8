import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Kysely } from 'kysely';

import { openLegacyDatabase, openNewDatabase } from '../../adapters/database.ts';
import { athleteToNew } from '../../adapters/mappings/athlete.ts';
import { squadToNew } from '../../adapters/mappings/squad.ts';
import { computeWellnessScore } from '../../adapters/mappings/wellness-score.ts';
import { wellnessEntryToNew } from '../../adapters/mappings/wellness-entry.ts';
import { migrateLegacyToLatest, migrateNewToLatest } from '../../adapters/migrations.ts';
import type { LegacyDatabase, NewDatabase } from '../../adapters/schema.ts';
import { createTestDatabase } from '../../src/testing/test-database.ts';
import type { TestDatabase } from '../../src/testing/test-database.ts';
import { generateDemoData } from './demo-data.ts';
import { rowsPerInsert, seedDemoData } from './seed.ts';

const TODAY = '2026-11-21';

describe('generateDemoData', () => {
  const data = generateDemoData({ today: TODAY });

  it('is deterministic: the same day gives the same rows', () => {
    expect(JSON.stringify(generateDemoData({ today: TODAY }))).toBe(JSON.stringify(data));
  });

  it('looks like a club: 5 squads, ~200 athletes with unique e-mails, some inactive, plausible ages', () => {
    expect(data.squads.map((s) => s.Name)).toEqual([
      'First Team',
      'U23',
      "Women's First Team",
      'Academy U18',
      "Women's U21",
    ]);
    expect(data.athletes.length).toBeGreaterThanOrEqual(180);
    expect(data.athletes.length).toBeLessThanOrEqual(220);
    expect(new Set(data.athletes.map((a) => a.Email.toLowerCase())).size).toBe(data.athletes.length);
    const inactive = data.athletes.filter((a) => !a.IsActive).length;
    expect(inactive).toBeGreaterThan(0);
    expect(inactive).toBeLessThan(data.athletes.length / 5);
    for (const a of data.athletes) {
      const age = 2026 - Number(a.DateOfBirth.slice(0, 4));
      expect(age).toBeGreaterThanOrEqual(15);
      expect(age).toBeLessThanOrEqual(37);
      expect(a.Email).toMatch(/^[a-z.]+\d*@athletes\.example\.org$/i);
    }
  });

  it('has 90 days of entries, not every athlete every day, with scores from the shared formula', () => {
    const dates = [...new Set(data.wellnessEntries.map((e) => e.EntryDate))].sort();
    expect(dates).toHaveLength(90);
    expect(dates[0]).toBe('2026-08-24');
    expect(dates.at(-1)).toBe(TODAY);
    expect(data.wellnessEntries.length).toBeLessThan(data.athletes.length * 90 * 0.9);
    expect(data.wellnessEntries.length).toBeGreaterThan(data.athletes.length * 90 * 0.5);
    const keys = new Set(data.wellnessEntries.map((e) => `${e.AthleteId}/${e.EntryDate}`));
    expect(keys.size).toBe(data.wellnessEntries.length);
    for (const e of data.wellnessEntries) {
      expect(e.Score).toBe(
        computeWellnessScore({
          sleep: e.Sleep,
          soreness: e.Soreness,
          fatigue: e.Fatigue,
          stress: e.Stress,
          mood: e.Mood,
        }),
      );
    }
    // Inactive athletes stop reporting once deactivated.
    const inactiveIds = new Set(data.athletes.filter((a) => !a.IsActive).map((a) => a.AthleteId));
    const lastEntry = data.wellnessEntries
      .filter((e) => inactiveIds.has(e.AthleteId))
      .map((e) => e.EntryDate);
    expect(lastEntry.every((d) => d < TODAY)).toBe(true);
  });

  it('keeps timestamps at millisecond precision so a plain JS Date on the new side loses nothing', () => {
    const stamps = [
      ...data.squads.map((s) => s.CreatedAt),
      ...data.athletes.flatMap((a) => [a.CreatedAt, a.UpdatedAt]),
      ...data.wellnessEntries.map((e) => e.CreatedAt),
    ];
    expect(stamps.filter((s) => !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}0000$/.test(s))).toEqual([]);
  });
});

describe('rowsPerInsert', () => {
  it('stays under SQL Server’s 2100-parameter limit and caps PostgreSQL batches at 1000 rows', () => {
    expect(rowsPerInsert(2100, 12) * 12).toBeLessThan(2100);
    expect(rowsPerInsert(65535, 12)).toBe(1000);
  });
});

describe('seedDemoData', () => {
  let legacyDatabase: TestDatabase;
  let newDatabase: TestDatabase;
  let legacyDb: Kysely<LegacyDatabase>;
  let newDb: Kysely<NewDatabase>;

  beforeAll(async () => {
    [legacyDatabase, newDatabase] = await Promise.all([
      createTestDatabase('strangler_seed_legacy'),
      createTestDatabase('strangler_seed_new'),
    ]);
    legacyDb = openLegacyDatabase(legacyDatabase.url, { poolMax: 2 });
    newDb = openNewDatabase(newDatabase.url, { poolMax: 2 });
    await Promise.all([migrateLegacyToLatest(legacyDb), migrateNewToLatest(newDb)]);
  });

  afterAll(async () => {
    await Promise.all([legacyDb.destroy(), newDb.destroy()]);
    await Promise.all([legacyDatabase.drop(), newDatabase.drop()]);
  });

  it('writes the same data set to both sides in seconds, then skips on the next start', async () => {
    const started = performance.now();
    const first = await seedDemoData({ legacyDb, newDb, today: TODAY });
    const elapsed = performance.now() - started;
    expect(first.legacy.seeded).toBe(true);
    expect(first.new).toEqual(first.legacy);
    expect(first.legacy.wellnessEntries).toBeGreaterThan(10_000);
    // ~15k rows per side in batches; generous for a shared 2-core machine, still far from "minutes".
    expect(elapsed).toBeLessThan(20_000);

    const second = await seedDemoData({ legacyDb, newDb, today: TODAY });
    expect(second.legacy.seeded).toBe(false);
    expect(second.new.seeded).toBe(false);
    const count = await newDb
      .selectFrom('wellness_entries')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(first.new.wellnessEntries);
  });

  it('leaves the new side equal to the legacy side mapped through the entity mappings', async () => {
    // One JSON line per row, sorted: a readable diff on failure without a slow deep compare of 13k objects.
    const lines = (rows: readonly object[]): string[] => rows.map((r) => JSON.stringify(r)).sort();
    const iso = (d: Date): string => d.toISOString().replace('Z', '000Z');

    const legacySquads = await legacyDb.selectFrom('dbo.Squads').selectAll().execute();
    const newSquads = await newDb.selectFrom('squads').selectAll().execute();
    expect(lines(newSquads.map((s) => ({ ...s, created_at: iso(s.created_at) })))).toEqual(
      lines(legacySquads.map(squadToNew)),
    );

    const legacyAthletes = await legacyDb.selectFrom('dbo.Athletes').selectAll().execute();
    const newAthletes = await newDb.selectFrom('athletes').selectAll().execute();
    expect(
      lines(newAthletes.map((a) => ({ ...a, created_at: iso(a.created_at), updated_at: iso(a.updated_at) }))),
    ).toEqual(lines(legacyAthletes.map(athleteToNew)));

    const legacyEntries = await legacyDb.selectFrom('dbo.WellnessEntries').selectAll().execute();
    const newEntries = await newDb.selectFrom('wellness_entries').selectAll().execute();
    expect(lines(newEntries.map((e) => ({ ...e, created_at: iso(e.created_at) })))).toEqual(
      lines(legacyEntries.map(wellnessEntryToNew)),
    );
  });

  it('seeds only the side that is empty (e.g. a new database added to an existing legacy one)', async () => {
    const other = await createTestDatabase('strangler_seed_new2');
    const emptyNew = openNewDatabase(other.url, { poolMax: 2 });
    try {
      await migrateNewToLatest(emptyNew);
      const result = await seedDemoData({ legacyDb, newDb: emptyNew, today: TODAY });
      expect(result.legacy.seeded).toBe(false);
      expect(result.new.seeded).toBe(true);
      expect(result.new.athletes).toBe(200);
    } finally {
      await emptyNew.destroy();
      await other.drop();
    }
  });
});
