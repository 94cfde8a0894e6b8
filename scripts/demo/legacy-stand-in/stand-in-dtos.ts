/* The stand-in's response bodies, member for member as the legacy's C# records write them. */
import { dateOnlyAsDateTime, dateTime2, decimalOneScale, guid, int64 } from './aspnet-json.ts';

export function squadDto(row: { SquadId: string; Name: string; Sport: string; CreatedAt: string }) {
  return {
    SquadId: guid(row.SquadId),
    Name: row.Name,
    Sport: row.Sport,
    CreatedAt: dateTime2(row.CreatedAt),
  };
}

export function athleteDto(row: {
  AthleteId: string;
  SquadId: string;
  FirstName: string;
  LastName: string;
  Email: string;
  DateOfBirth: string;
  Position: string | null;
  IsActive: boolean | number;
  CreatedAt: string;
  UpdatedAt: string;
  Version: string;
}) {
  return {
    AthleteId: guid(row.AthleteId),
    SquadId: guid(row.SquadId),
    FirstName: row.FirstName,
    LastName: row.LastName,
    Email: row.Email,
    DateOfBirth: dateOnlyAsDateTime(row.DateOfBirth),
    Position: row.Position,
    // bit may arrive as true/false (tedious, pg boolean) or 0/1 depending on the engine.
    IsActive: row.IsActive === true || row.IsActive === 1,
    CreatedAt: dateTime2(row.CreatedAt),
    UpdatedAt: dateTime2(row.UpdatedAt),
    Version: int64(row.Version),
  };
}

export function wellnessDto(row: {
  WellnessEntryId: string;
  AthleteId: string;
  EntryDate: string;
  Sleep: number;
  Soreness: number;
  Fatigue: number;
  Stress: number;
  Mood: number;
  Score: string;
  Notes: string | null;
  CreatedAt: string;
}) {
  return {
    WellnessEntryId: guid(row.WellnessEntryId),
    AthleteId: guid(row.AthleteId),
    EntryDate: dateOnlyAsDateTime(row.EntryDate),
    Sleep: row.Sleep,
    Soreness: row.Soreness,
    Fatigue: row.Fatigue,
    Stress: row.Stress,
    Mood: row.Mood,
    Score: decimalOneScale(row.Score),
    Notes: row.Notes,
    CreatedAt: dateTime2(row.CreatedAt),
  };
}
