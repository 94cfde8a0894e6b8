namespace Legacy.Api.Data;

// The tables as the API has always had them: PascalCase, uniqueidentifier keys, datetime2 in UTC, a
// bigint Version that every write increments (the sync reads it), soft delete through IsActive.

/// <summary>A customer of the API: every squad, and through it every athlete and entry, belongs to one.</summary>
public class Organisation
{
    public Guid OrganisationId { get; set; }
    public string Name { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public long Version { get; set; }
}

public class Squad
{
    public Guid SquadId { get; set; }
    public Guid OrganisationId { get; set; }
    public string Name { get; set; } = "";
    public string Sport { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public long Version { get; set; }
}

public class Athlete
{
    public Guid AthleteId { get; set; }
    public Guid SquadId { get; set; }
    public Squad? Squad { get; set; }
    public string FirstName { get; set; } = "";
    public string LastName { get; set; } = "";
    public string Email { get; set; } = "";
    public DateTime DateOfBirth { get; set; }
    public string? Position { get; set; }
    public bool IsActive { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public long Version { get; set; }
}

public class WellnessEntry
{
    public Guid WellnessEntryId { get; set; }
    public Guid AthleteId { get; set; }
    public Athlete? Athlete { get; set; }
    public DateTime EntryDate { get; set; }
    public byte Sleep { get; set; }
    public byte Soreness { get; set; }
    public byte Fatigue { get; set; }
    public byte Stress { get; set; }
    public byte Mood { get; set; }
    public decimal Score { get; set; }
    public string? Notes { get; set; }
    public DateTime CreatedAt { get; set; }
    public long Version { get; set; }
}
