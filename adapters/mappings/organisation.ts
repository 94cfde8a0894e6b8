import type { Selectable } from 'kysely';

import type { LegacyOrganisationsTable, OrganisationsTable } from '../schema.ts';
import {
  bigintText,
  datetime2ToTimestamptz,
  guidToLegacy,
  guidToNew,
  timestamptzToDatetime2,
} from './values.ts';

/** dbo.Organisations as read from either legacy engine. */
export type LegacyOrganisation = Selectable<LegacyOrganisationsTable>;
/** organisations as read from PostgreSQL (created_at a Date) or as produced by organisationToNew. */
export type NewOrganisation = Omit<Selectable<OrganisationsTable>, 'created_at'> & {
  created_at: Date | string;
};
export type NewOrganisationValues = Omit<Selectable<OrganisationsTable>, 'created_at'> & {
  created_at: string;
};

export function organisationToNew(row: LegacyOrganisation): NewOrganisationValues {
  return {
    id: guidToNew(row.OrganisationId),
    name: row.Name,
    created_at: datetime2ToTimestamptz(row.CreatedAt),
    version: bigintText(row.Version),
  };
}

export function organisationToLegacy(row: NewOrganisation): LegacyOrganisation {
  return {
    OrganisationId: guidToLegacy(row.id),
    Name: row.name,
    CreatedAt: timestamptzToDatetime2(row.created_at),
    Version: bigintText(row.version),
  };
}
