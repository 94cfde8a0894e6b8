import type { Selectable } from 'kysely';

import type { AthletesTable, LegacyAthletesTable } from '../schema.ts';
import {
  bigintText,
  bitToBoolean,
  dateOnly,
  datetime2ToTimestamptz,
  guidToLegacy,
  guidToNew,
  timestamptzToDatetime2,
} from './values.ts';

/** dbo.Athletes as read from either legacy engine. */
export type LegacyAthlete = Selectable<LegacyAthletesTable>;
type Timestamps = { created_at: Date | string; updated_at: Date | string };
/** athletes as read from PostgreSQL (timestamps as Dates) or as produced by athleteToNew (exact text). */
export type NewAthlete = Omit<Selectable<AthletesTable>, keyof Timestamps> & Timestamps;
export type NewAthleteValues = Omit<Selectable<AthletesTable>, keyof Timestamps> & {
  created_at: string;
  updated_at: string;
};

/** E-mails keep their letter case on both sides; only uniqueness ignores it (CI collation / lower()). */
export function athleteToNew(row: LegacyAthlete): NewAthleteValues {
  return {
    id: guidToNew(row.AthleteId),
    squad_id: guidToNew(row.SquadId),
    first_name: row.FirstName,
    last_name: row.LastName,
    email: row.Email,
    date_of_birth: dateOnly(row.DateOfBirth),
    position: row.Position,
    is_active: bitToBoolean(row.IsActive),
    created_at: datetime2ToTimestamptz(row.CreatedAt),
    updated_at: datetime2ToTimestamptz(row.UpdatedAt),
    version: bigintText(row.Version),
  };
}

export function athleteToLegacy(row: NewAthlete): LegacyAthlete {
  return {
    AthleteId: guidToLegacy(row.id),
    SquadId: guidToLegacy(row.squad_id),
    FirstName: row.first_name,
    LastName: row.last_name,
    Email: row.email,
    DateOfBirth: dateOnly(row.date_of_birth),
    Position: row.position,
    IsActive: row.is_active,
    CreatedAt: timestamptzToDatetime2(row.created_at),
    UpdatedAt: timestamptzToDatetime2(row.updated_at),
    Version: bigintText(row.version),
  };
}
