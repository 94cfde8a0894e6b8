import type { Kysely } from 'kysely';

import { capabilitiesOf, openLegacyDatabase, openNewDatabase } from '../../adapters/database.ts';
import { athleteToNew } from '../../adapters/mappings/athlete.ts';
import { organisationToNew } from '../../adapters/mappings/organisation.ts';
import { squadToNew } from '../../adapters/mappings/squad.ts';
import { wellnessEntryToNew } from '../../adapters/mappings/wellness-entry.ts';
import { migrateLegacyToLatest, migrateNewToLatest } from '../../adapters/migrations.ts';
import type { LegacyDatabase, NewDatabase } from '../../adapters/schema.ts';
import { generateDemoData } from './demo-data.ts';
import type { DemoData } from './demo-data.ts';

/*
 * Seeds the demo data set (demo-data.ts) into the legacy database (dbo) and, through the entity
 * mappings, into the new schema, so both sides start identical. Idempotent per side: a side that already
 * has squads is left alone. Each side is written in one transaction, so an interrupted seed leaves
 * nothing half-written that would be skipped next time.
 */

export interface SeedSideResult {
  readonly seeded: boolean;
  readonly squads: number;
  readonly athletes: number;
  readonly wellnessEntries: number;
}

export interface SeedResult {
  readonly legacy: SeedSideResult;
  readonly new: SeedSideResult;
}

export interface SeedDeps {
  readonly legacyDb: Kysely<LegacyDatabase>;
  readonly newDb: Kysely<NewDatabase>;
  /** 'YYYY-MM-DD': last day of wellness entries; today (UTC) when unset. */
  readonly today?: string;
}

/** Rows per INSERT: within the engine's parameter limit, and not so large one statement dominates. */
export function rowsPerInsert(maxQueryParameters: number, columns: number): number {
  return Math.max(1, Math.min(1000, Math.floor((maxQueryParameters - 1) / columns)));
}

function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

function columnsOf(rows: readonly object[]): number {
  return rows[0] === undefined ? 1 : Object.keys(rows[0]).length;
}

const SKIPPED: SeedSideResult = { seeded: false, squads: 0, athletes: 0, wellnessEntries: 0 };

/** Is there any squad? (TOP on SQL Server, LIMIT on PostgreSQL.) */
export function legacySquadProbe(db: Kysely<LegacyDatabase>) {
  const query = db.selectFrom('dbo.Squads').select('SquadId');
  return capabilitiesOf(db).supportsTop ? query.top(1) : query.limit(1);
}

async function legacyIsEmpty(db: Kysely<LegacyDatabase>): Promise<boolean> {
  return (await legacySquadProbe(db).execute()).length === 0;
}

async function newIsEmpty(db: Kysely<NewDatabase>): Promise<boolean> {
  return (await db.selectFrom('squads').select('id').limit(1).execute()).length === 0;
}

/** The INSERT statements that write `data` to the legacy tables, parents first, within the engine's limits. */
export function legacyInsertBatches(db: Kysely<LegacyDatabase>, data: DemoData) {
  const { maxQueryParameters } = capabilitiesOf(db);
  return [
    db.insertInto('dbo.Organisations').values([...data.organisations]),
    ...chunks(data.squads, rowsPerInsert(maxQueryParameters, columnsOf(data.squads))).map((batch) =>
      db.insertInto('dbo.Squads').values(batch),
    ),
    ...chunks(data.athletes, rowsPerInsert(maxQueryParameters, columnsOf(data.athletes))).map((batch) =>
      db.insertInto('dbo.Athletes').values(batch),
    ),
    ...chunks(data.wellnessEntries, rowsPerInsert(maxQueryParameters, columnsOf(data.wellnessEntries))).map(
      (batch) => db.insertInto('dbo.WellnessEntries').values(batch),
    ),
  ];
}

async function seedLegacy(db: Kysely<LegacyDatabase>, data: DemoData): Promise<SeedSideResult> {
  await db.transaction().execute(async (trx) => {
    for (const insert of legacyInsertBatches(trx, data)) await insert.execute();
  });
  return {
    seeded: true,
    squads: data.squads.length,
    athletes: data.athletes.length,
    wellnessEntries: data.wellnessEntries.length,
  };
}

async function seedNew(db: Kysely<NewDatabase>, data: DemoData): Promise<SeedSideResult> {
  const { maxQueryParameters } = capabilitiesOf(db);
  const organisations = data.organisations.map(organisationToNew);
  const squads = data.squads.map(squadToNew);
  const athletes = data.athletes.map(athleteToNew);
  const entries = data.wellnessEntries.map(wellnessEntryToNew);
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('organisations').values(organisations).execute();
    for (const batch of chunks(squads, rowsPerInsert(maxQueryParameters, columnsOf(squads)))) {
      await trx.insertInto('squads').values(batch).execute();
    }
    for (const batch of chunks(athletes, rowsPerInsert(maxQueryParameters, columnsOf(athletes)))) {
      await trx.insertInto('athletes').values(batch).execute();
    }
    for (const batch of chunks(entries, rowsPerInsert(maxQueryParameters, columnsOf(entries)))) {
      await trx.insertInto('wellness_entries').values(batch).execute();
    }
  });
  return { seeded: true, squads: squads.length, athletes: athletes.length, wellnessEntries: entries.length };
}

export async function seedDemoData(deps: SeedDeps): Promise<SeedResult> {
  const [legacyEmpty, newEmpty] = await Promise.all([legacyIsEmpty(deps.legacyDb), newIsEmpty(deps.newDb)]);
  if (!legacyEmpty && !newEmpty) return { legacy: SKIPPED, new: SKIPPED };
  const data = generateDemoData({ today: deps.today ?? new Date().toISOString().slice(0, 10) });
  const [legacy, seededNew] = await Promise.all([
    legacyEmpty ? seedLegacy(deps.legacyDb, data) : SKIPPED,
    newEmpty ? seedNew(deps.newDb, data) : SKIPPED,
  ]);
  return { legacy, new: seededNew };
}

// `node scripts/demo/seed.ts`: migrate both databases and seed them (DATABASE_URL, LEGACY_DATABASE_URL).
if (import.meta.main) {
  const newUrl = process.env.DATABASE_URL;
  const legacyUrl = process.env.LEGACY_DATABASE_URL;
  if (newUrl === undefined || legacyUrl === undefined) {
    console.error(
      'usage: DATABASE_URL=postgres://… LEGACY_DATABASE_URL=postgres://…|mssql://… node scripts/demo/seed.ts',
    );
    process.exit(2);
  }
  const newDb = openNewDatabase(newUrl);
  const legacyDb = openLegacyDatabase(legacyUrl);
  try {
    await Promise.all([migrateNewToLatest(newDb), migrateLegacyToLatest(legacyDb)]);
    const started = performance.now();
    const result = await seedDemoData({ legacyDb, newDb });
    console.log(JSON.stringify({ ...result, ms: Math.round(performance.now() - started) }));
  } finally {
    await Promise.all([newDb.destroy(), legacyDb.destroy()]);
  }
}
