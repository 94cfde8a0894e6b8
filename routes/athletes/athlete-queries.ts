import { dateAsLegacyDateTime, utcTimestamp, versionJson } from '../shared/legacy-formats.ts';
import type { TenantTransaction } from '../shared/tenant-database.ts';

/** The athlete as the legacy serialises its AthleteDto (member order = the C# record's). */
export function selectAthlete(db: TenantTransaction) {
  return db
    .selectFrom('athletes')
    .select([
      'id',
      'squad_id',
      'first_name',
      'last_name',
      'email',
      'date_of_birth',
      'position',
      'is_active',
      utcTimestamp('created_at').as('created_at_text'),
      utcTimestamp('updated_at').as('updated_at_text'),
      'version',
    ]);
}

/** Whether the athlete is there at all, active or not, as the legacy's lookups before a write or a list ask. */
export async function athleteExists(db: TenantTransaction, id: string): Promise<boolean> {
  return (await db.selectFrom('athletes').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export type AthleteRow = Awaited<ReturnType<ReturnType<typeof selectAthlete>['executeTakeFirstOrThrow']>>;

export function athleteJson(row: AthleteRow) {
  return {
    AthleteId: row.id,
    SquadId: row.squad_id,
    FirstName: row.first_name,
    LastName: row.last_name,
    Email: row.email,
    DateOfBirth: dateAsLegacyDateTime(row.date_of_birth),
    Position: row.position,
    IsActive: row.is_active,
    CreatedAt: row.created_at_text,
    UpdatedAt: row.updated_at_text,
    Version: versionJson(row.version),
  };
}

export interface AthleteListFilter {
  readonly squadId?: string;
  readonly includeInactive: boolean;
}

/** One page of athletes and the total, ordered as the legacy orders them (last, first name, then id). */
export async function athletePage(
  db: TenantTransaction,
  filter: AthleteListFilter,
  page: { readonly page: number; readonly pageSize: number },
): Promise<{ total: number; rows: AthleteRow[] }> {
  const count = await db
    .selectFrom('athletes')
    .select((eb) => eb.fn.countAll<string>().as('total'))
    .$if(filter.squadId !== undefined, (q) => q.where('squad_id', '=', filter.squadId ?? ''))
    .$if(!filter.includeInactive, (q) => q.where('is_active', '=', true))
    .executeTakeFirstOrThrow();
  const rows = await selectAthlete(db)
    .$if(filter.squadId !== undefined, (q) => q.where('squad_id', '=', filter.squadId ?? ''))
    .$if(!filter.includeInactive, (q) => q.where('is_active', '=', true))
    // Ties on names are broken by id. Both sides order uuids the same way on PostgreSQL; SQL Server
    // orders uniqueidentifier by its last byte group first, so against real Azure SQL pages of
    // namesakes can differ (the shadow comparison would show it on $[n].AthleteId).
    .orderBy('last_name')
    .orderBy('first_name')
    .orderBy('id')
    .offset((page.page - 1) * page.pageSize)
    .limit(page.pageSize)
    .execute();
  return { total: Number(count.total), rows };
}
