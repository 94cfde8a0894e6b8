using System.ComponentModel.DataAnnotations;

namespace Legacy.Api.Contracts;

// Value types are nullable so that a missing member is a validation error ("The X field is required.")
// rather than a silent default.

public class CreateAthleteRequest
{
    [Required]
    public Guid? SquadId { get; set; }

    [Required, StringLength(100)]
    public string? FirstName { get; set; }

    [Required, StringLength(100)]
    public string? LastName { get; set; }

    [Required, StringLength(256), EmailAddress]
    public string? Email { get; set; }

    [Required]
    public DateOnly? DateOfBirth { get; set; }

    [StringLength(50)]
    public string? Position { get; set; }
}

public class UpdateAthleteRequest : CreateAthleteRequest;

public class CreateWellnessEntryRequest
{
    [Required]
    public DateOnly? EntryDate { get; set; }

    [Required, Range(1, 5)]
    public int? Sleep { get; set; }

    [Required, Range(1, 5)]
    public int? Soreness { get; set; }

    [Required, Range(1, 5)]
    public int? Fatigue { get; set; }

    [Required, Range(1, 5)]
    public int? Stress { get; set; }

    [Required, Range(1, 5)]
    public int? Mood { get; set; }

    [StringLength(500)]
    public string? Notes { get; set; }
}
