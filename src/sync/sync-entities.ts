/**
 * The synced entities, described once as column pairs (new snake_case ↔ legacy PascalCase) with the
 * kind of value each column carries. Every engine file, the relay, the change poller and reconciliation
 * read these descriptors, so a column added to an entity is added in one place (adapters/schema.ts has
 * the table types these must match).
 */
export type ColumnKind =
  'uuid' | 'text' | 'date' | 'datetime' | 'boolean' | 'smallint' | 'bigint' | 'decimal';

export interface SyncColumn {
  readonly name: string;
  readonly legacyName: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  /** nvarchar length on SQL Server (text columns). */
  readonly maxLength?: number;
  /** decimal(precision, scale). */
  readonly precision?: number;
  readonly scale?: number;
}

export type EntityName = 'organisations' | 'squads' | 'athletes' | 'wellness_entries';

export interface SyncEntity {
  readonly name: EntityName;
  readonly newTable: string;
  /** Table name inside the legacy `dbo` schema. */
  readonly legacyTable: string;
  /** The primary key; always the first column. */
  readonly key: SyncColumn;
  readonly columns: readonly SyncColumn[];
  /** Parents first: upserts run in this order and deletes in reverse, so foreign keys hold inside a batch. */
  readonly order: number;
}

const col = (
  name: string,
  legacyName: string,
  kind: ColumnKind,
  extra: Partial<Pick<SyncColumn, 'nullable' | 'maxLength' | 'precision' | 'scale'>> = {},
): SyncColumn => ({ name, legacyName, kind, nullable: false, ...extra });

function entity(
  name: EntityName,
  legacyTable: string,
  order: number,
  columns: readonly SyncColumn[],
): SyncEntity {
  const key = columns[0];
  if (key === undefined) throw new Error(`entity ${name} has no columns`);
  return { name, newTable: name, legacyTable, key, columns, order };
}

export const SYNC_ENTITIES: readonly SyncEntity[] = [
  entity('organisations', 'Organisations', 0, [
    col('id', 'OrganisationId', 'uuid'),
    col('name', 'Name', 'text', { maxLength: 100 }),
    col('created_at', 'CreatedAt', 'datetime'),
    col('version', 'Version', 'bigint'),
  ]),
  entity('squads', 'Squads', 1, [
    col('id', 'SquadId', 'uuid'),
    col('organisation_id', 'OrganisationId', 'uuid'),
    col('name', 'Name', 'text', { maxLength: 100 }),
    col('sport', 'Sport', 'text', { maxLength: 50 }),
    col('created_at', 'CreatedAt', 'datetime'),
    col('version', 'Version', 'bigint'),
  ]),
  entity('athletes', 'Athletes', 2, [
    col('id', 'AthleteId', 'uuid'),
    col('squad_id', 'SquadId', 'uuid'),
    col('first_name', 'FirstName', 'text', { maxLength: 100 }),
    col('last_name', 'LastName', 'text', { maxLength: 100 }),
    col('email', 'Email', 'text', { maxLength: 256 }),
    col('date_of_birth', 'DateOfBirth', 'date'),
    col('position', 'Position', 'text', { maxLength: 50, nullable: true }),
    col('is_active', 'IsActive', 'boolean'),
    col('created_at', 'CreatedAt', 'datetime'),
    col('updated_at', 'UpdatedAt', 'datetime'),
    col('version', 'Version', 'bigint'),
  ]),
  entity('wellness_entries', 'WellnessEntries', 3, [
    col('id', 'WellnessEntryId', 'uuid'),
    col('athlete_id', 'AthleteId', 'uuid'),
    col('entry_date', 'EntryDate', 'date'),
    col('sleep', 'Sleep', 'smallint'),
    col('soreness', 'Soreness', 'smallint'),
    col('fatigue', 'Fatigue', 'smallint'),
    col('stress', 'Stress', 'smallint'),
    col('mood', 'Mood', 'smallint'),
    col('score', 'Score', 'decimal', { precision: 3, scale: 1 }),
    col('notes', 'Notes', 'text', { maxLength: 500, nullable: true }),
    col('created_at', 'CreatedAt', 'datetime'),
    col('version', 'Version', 'bigint'),
  ]),
];

const BY_NAME = new Map<string, SyncEntity>(SYNC_ENTITIES.map((e) => [e.name, e]));
const BY_LEGACY_TABLE = new Map<string, SyncEntity>(SYNC_ENTITIES.map((e) => [e.legacyTable, e]));

export class UnknownEntityError extends Error {
  constructor(name: string) {
    super(`unknown sync entity "${name}" (known: ${SYNC_ENTITIES.map((e) => e.name).join(', ')})`);
    this.name = 'UnknownEntityError';
  }
}

export function syncEntity(name: string): SyncEntity {
  const found = BY_NAME.get(name);
  if (found === undefined) throw new UnknownEntityError(name);
  return found;
}

export function syncEntityByLegacyTable(table: string): SyncEntity {
  const found = BY_LEGACY_TABLE.get(table);
  if (found === undefined) throw new UnknownEntityError(table);
  return found;
}

export function versionColumn(entity: SyncEntity): SyncColumn {
  const found = entity.columns.find((c) => c.name === 'version');
  if (found === undefined) throw new Error(`entity ${entity.name} has no version column`);
  return found;
}

/** Which side's writes win for an entity in the current migration phase. */
export type Owner = 'legacy' | 'new';
export type SyncOwnership = Readonly<Record<EntityName, Owner>>;

/** Before a resource's routes move, legacy owns everything. */
export const LEGACY_OWNS_ALL: SyncOwnership = {
  organisations: 'legacy',
  squads: 'legacy',
  athletes: 'legacy',
  wellness_entries: 'legacy',
};

/**
 * Parses `athletes=new,wellness_entries=legacy` (SYNC_OWNERSHIP); unnamed entities stay with legacy.
 * Returns every problem at once, like loadConfig.
 */
export function parseOwnership(raw: string | undefined): SyncOwnership {
  const result: Record<EntityName, Owner> = { ...LEGACY_OWNS_ALL };
  if (raw === undefined || raw.trim() === '') return result;
  const problems: string[] = [];
  for (const part of raw.split(',')) {
    const [name, owner] = part.split('=').map((s) => s.trim());
    if (name === undefined || !BY_NAME.has(name)) problems.push(`unknown entity "${name ?? ''}"`);
    else if (owner !== 'legacy' && owner !== 'new') problems.push(`owner of ${name} must be legacy or new`);
    else result[name as EntityName] = owner;
  }
  if (problems.length > 0) throw new Error(`SYNC_OWNERSHIP: ${problems.join('; ')}`);
  return result;
}
