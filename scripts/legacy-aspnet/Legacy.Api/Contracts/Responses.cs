using Legacy.Api.Data;

namespace Legacy.Api.Contracts;

// Member order is the wire order (System.Text.Json writes properties as declared).

public record SquadDto(Guid SquadId, string Name, string Sport, DateTime CreatedAt)
{
    public static SquadDto From(Squad s) => new(s.SquadId, s.Name, s.Sport, s.CreatedAt);
}

public record AthleteDto(
    Guid AthleteId,
    Guid SquadId,
    string FirstName,
    string LastName,
    string Email,
    DateTime DateOfBirth,
    string? Position,
    bool IsActive,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    long Version)
{
    public static AthleteDto From(Athlete a) => new(
        a.AthleteId, a.SquadId, a.FirstName, a.LastName, a.Email, a.DateOfBirth, a.Position, a.IsActive,
        a.CreatedAt, a.UpdatedAt, a.Version);
}

public record WellnessEntryDto(
    Guid WellnessEntryId,
    Guid AthleteId,
    DateTime EntryDate,
    int Sleep,
    int Soreness,
    int Fatigue,
    int Stress,
    int Mood,
    decimal Score,
    string? Notes,
    DateTime CreatedAt)
{
    public static WellnessEntryDto From(WellnessEntry w) => new(
        w.WellnessEntryId, w.AthleteId, w.EntryDate, w.Sleep, w.Soreness, w.Fatigue, w.Stress, w.Mood,
        w.Score, w.Notes, w.CreatedAt);
}

public record AvailabilityReportDto(
    Guid SquadId,
    string SquadName,
    DateTime AsOf,
    IReadOnlyList<AthleteAvailabilityDto> Athletes);

public record AthleteAvailabilityDto(
    Guid AthleteId,
    string FirstName,
    string LastName,
    DateTime? LatestEntryDate,
    decimal? LatestScore,
    string Status);
