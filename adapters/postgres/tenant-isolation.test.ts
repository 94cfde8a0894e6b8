/*
 * Row-level security in the new database: as the tenant role, a query sees its caller's organisation
 * and nothing else, even one written without any organisation filter — the unscoped query a handler
 * might forget is scoped all the same.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely, type Transaction } from 'kysely';

import { createTestDatabase, type TestDatabase } from '../../src/testing/test-database.ts';
import { openNewDatabase } from '../database.ts';
import { migrateNewToLatest } from '../migrations.ts';
import type { NewDatabase } from '../schema.ts';
import { TENANT_ROLE, TENANT_SETTING } from './migrations/new-0002-tenant-isolation.ts';

const ORG_A = '0a000000-0000-4000-8000-00000000000a';
const ORG_B = '0b000000-0000-4000-8000-00000000000b';
const SQUAD = { a: '1a000000-0000-4000-8000-00000000000a', b: '1b000000-0000-4000-8000-00000000000b' };
const ATHLETE = { a: '2a000000-0000-4000-8000-00000000000a', b: '2b000000-0000-4000-8000-00000000000b' };
const NOW = '2026-12-01T00:00:00Z';

describe('tenant isolation in the new database (row-level security)', () => {
  let database: TestDatabase;
  let db: Kysely<NewDatabase>;

  beforeAll(async () => {
    database = await createTestDatabase('strangler_tenancy');
    db = openNewDatabase(database.url, { poolMax: 2 });
    await migrateNewToLatest(db);
    await db
      .insertInto('organisations')
      .values([
        { id: ORG_A, name: 'A', created_at: NOW, version: 1 },
        { id: ORG_B, name: 'B', created_at: NOW, version: 1 },
      ])
      .execute();
    await db
      .insertInto('squads')
      .values([
        { id: SQUAD.a, organisation_id: ORG_A, name: 'A1', sport: 'Football', created_at: NOW, version: 1 },
        { id: SQUAD.b, organisation_id: ORG_B, name: 'B1', sport: 'Football', created_at: NOW, version: 1 },
      ])
      .execute();
    const athlete = (id: string, squad: string, email: string) => ({
      id,
      squad_id: squad,
      first_name: 'F',
      last_name: 'L',
      email,
      date_of_birth: '2000-01-01',
      position: null,
      is_active: true,
      created_at: NOW,
      updated_at: NOW,
      version: 1,
    });
    await db
      .insertInto('athletes')
      .values([athlete(ATHLETE.a, SQUAD.a, 'a@x.test'), athlete(ATHLETE.b, SQUAD.b, 'b@x.test')])
      .execute();
    const entry = (id: string, athleteId: string) => ({
      id,
      athlete_id: athleteId,
      entry_date: '2026-11-30',
      sleep: 3,
      soreness: 3,
      fatigue: 3,
      stress: 3,
      mood: 3,
      score: '3.0',
      notes: null,
      created_at: NOW,
      version: 1,
    });
    await db
      .insertInto('wellness_entries')
      .values([
        entry('3a000000-0000-4000-8000-00000000000a', ATHLETE.a),
        entry('3b000000-0000-4000-8000-00000000000b', ATHLETE.b),
      ])
      .execute();
  });

  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  /** Runs `work` as the tenant role for `organisation` (undefined: the setting left unset), rolled back. */
  async function asTenant<T>(
    organisation: string | undefined,
    work: (trx: Transaction<NewDatabase>) => Promise<T>,
  ): Promise<T> {
    let result: T | undefined;
    await db
      .transaction()
      .execute(async (trx) => {
        await sql`SELECT set_config('role', ${TENANT_ROLE}, true), set_config(${TENANT_SETTING}, ${organisation ?? ''}, true)`.execute(
          trx,
        );
        result = await work(trx);
        throw new Error('rollback');
      })
      .catch((error: unknown) => {
        if (!(error instanceof Error && error.message === 'rollback')) throw error;
      });
    return result as T;
  }

  const ids = async (
    trx: Transaction<NewDatabase>,
    table: 'organisations' | 'squads' | 'athletes' | 'wellness_entries',
  ) => (await trx.selectFrom(table).select('id').execute()).map((r) => r.id);

  it("shows each table's rows of the caller's organisation only, to a query with no filter", async () => {
    const seen = await asTenant(ORG_A, async (trx) => ({
      organisations: await ids(trx, 'organisations'),
      squads: await ids(trx, 'squads'),
      athletes: await ids(trx, 'athletes'),
      entries: (await trx.selectFrom('wellness_entries').select('athlete_id').execute()).map(
        (r) => r.athlete_id,
      ),
    }));
    expect(seen).toEqual({
      organisations: [ORG_A],
      squads: [SQUAD.a],
      athletes: [ATHLETE.a],
      entries: [ATHLETE.a],
    });
  });

  it('shows nothing when the organisation is not set: isolation fails closed', async () => {
    expect(await asTenant(undefined, (trx) => ids(trx, 'athletes'))).toEqual([]);
  });

  it("cannot change another organisation's row, nor write one under another organisation's parent", async () => {
    const updated = await asTenant(ORG_A, (trx) =>
      trx.updateTable('athletes').set({ first_name: 'Taken' }).where('id', '=', ATHLETE.b).executeTakeFirst(),
    );
    expect(updated.numUpdatedRows).toBe(0n);
    await expect(
      asTenant(ORG_A, (trx) =>
        trx.updateTable('athletes').set({ squad_id: SQUAD.b }).where('id', '=', ATHLETE.a).execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      asTenant(ORG_A, (trx) =>
        trx
          .insertInto('wellness_entries')
          .values({
            id: '3c000000-0000-4000-8000-00000000000c',
            athlete_id: ATHLETE.b,
            entry_date: '2026-11-29',
            sleep: 1,
            soreness: 1,
            fatigue: 1,
            stress: 1,
            mood: 1,
            score: '1.0',
            notes: null,
            created_at: NOW,
            version: 1,
          })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('cannot delete at all: handlers soft-delete, and the role has no DELETE', async () => {
    await expect(
      asTenant(ORG_A, (trx) => trx.deleteFrom('athletes').where('id', '=', ATHLETE.a).execute()),
    ).rejects.toThrow(/permission denied/);
  });

  it("leaves the application's own login (the sync, reconciliation) seeing every organisation", async () => {
    expect((await db.selectFrom('athletes').select('id').execute()).length).toBe(2);
  });
});
