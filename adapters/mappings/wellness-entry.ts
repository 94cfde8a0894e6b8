import type { Selectable } from 'kysely';

import type { LegacyWellnessEntriesTable, WellnessEntriesTable } from '../schema.ts';
import {
  bigintText,
  dateOnly,
  datetime2ToTimestamptz,
  fixedScale,
  guidToLegacy,
  guidToNew,
  timestamptzToDatetime2,
} from './values.ts';

/** dbo.WellnessEntries as read from either legacy engine. */
export type LegacyWellnessEntry = Selectable<LegacyWellnessEntriesTable>;
/** wellness_entries as read from PostgreSQL (created_at a Date) or as produced by wellnessEntryToNew. */
export type NewWellnessEntry = Omit<Selectable<WellnessEntriesTable>, 'created_at'> & {
  created_at: Date | string;
};
export type NewWellnessEntryValues = Omit<Selectable<WellnessEntriesTable>, 'created_at'> & {
  created_at: string;
};

/** Score is decimal(3,1) on both sides. */
const SCORE_SCALE = 1;

/*
 * The stored score is copied, not recomputed: a mapping must not "fix" a row, or a sync would silently
 * rewrite history. Recomputing is computeWellnessScore's job at write time.
 */
export function wellnessEntryToNew(row: LegacyWellnessEntry): NewWellnessEntryValues {
  return {
    id: guidToNew(row.WellnessEntryId),
    athlete_id: guidToNew(row.AthleteId),
    entry_date: dateOnly(row.EntryDate),
    sleep: row.Sleep,
    soreness: row.Soreness,
    fatigue: row.Fatigue,
    stress: row.Stress,
    mood: row.Mood,
    score: fixedScale(row.Score, SCORE_SCALE),
    notes: row.Notes,
    created_at: datetime2ToTimestamptz(row.CreatedAt),
    version: bigintText(row.Version),
  };
}

export function wellnessEntryToLegacy(row: NewWellnessEntry): LegacyWellnessEntry {
  return {
    WellnessEntryId: guidToLegacy(row.id),
    AthleteId: guidToLegacy(row.athlete_id),
    EntryDate: dateOnly(row.entry_date),
    Sleep: row.sleep,
    Soreness: row.soreness,
    Fatigue: row.fatigue,
    Stress: row.stress,
    Mood: row.mood,
    Score: fixedScale(row.score, SCORE_SCALE),
    Notes: row.notes,
    CreatedAt: timestamptzToDatetime2(row.created_at),
    Version: bigintText(row.version),
  };
}
