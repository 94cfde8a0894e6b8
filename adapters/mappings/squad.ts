import type { Selectable } from 'kysely';

import type { LegacySquadsTable, SquadsTable } from '../schema.ts';
import {
  bigintText,
  datetime2ToTimestamptz,
  guidToLegacy,
  guidToNew,
  timestamptzToDatetime2,
} from './values.ts';

/** dbo.Squads as read from either legacy engine. */
export type LegacySquad = Selectable<LegacySquadsTable>;
/** squads as read from PostgreSQL (created_at a Date) or as produced by squadToNew (exact text). */
export type NewSquad = Omit<Selectable<SquadsTable>, 'created_at'> & { created_at: Date | string };
/** What squadToNew produces: insertable as is, timestamps as exact microsecond text. */
export type NewSquadValues = Omit<Selectable<SquadsTable>, 'created_at'> & { created_at: string };

export function squadToNew(row: LegacySquad): NewSquadValues {
  return {
    id: guidToNew(row.SquadId),
    organisation_id: guidToNew(row.OrganisationId),
    name: row.Name,
    sport: row.Sport,
    created_at: datetime2ToTimestamptz(row.CreatedAt),
    version: bigintText(row.Version),
  };
}

export function squadToLegacy(row: NewSquad): LegacySquad {
  return {
    SquadId: guidToLegacy(row.id),
    OrganisationId: guidToLegacy(row.organisation_id),
    Name: row.name,
    Sport: row.sport,
    CreatedAt: timestamptzToDatetime2(row.created_at),
    Version: bigintText(row.version),
  };
}
