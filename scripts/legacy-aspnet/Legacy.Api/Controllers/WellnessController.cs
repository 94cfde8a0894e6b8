using System.Globalization;

namespace Legacy.Api.Controllers;

[ApiController]
[Route("api/athletes/{athleteId:guid}/wellness")]
public class WellnessController(LegacyDbContext db, Clock clock) : ControllerBase
{
    [HttpGet, Authorize(Policies.WellnessRead)]
    public async Task<ActionResult<IEnumerable<WellnessEntryDto>>> List(
        Guid athleteId,
        [FromQuery] DateOnly? from = null,
        [FromQuery] DateOnly? to = null,
        [FromQuery, Range(1, int.MaxValue)] int page = 1,
        [FromQuery, Range(1, Paging.MaxPageSize)] int pageSize = Paging.DefaultPageSize,
        CancellationToken cancel = default)
    {
        if (from > to)
        {
            ModelState.AddModelError(nameof(to), "The 'to' date must not be earlier than the 'from' date.");
            return ValidationProblem(ModelState);
        }
        if (!await db.Athletes.AnyAsync(a => a.AthleteId == athleteId, cancel)) return NotFound();
        var entries = db.WellnessEntries.AsNoTracking().Where(w => w.AthleteId == athleteId);
        if (from is { } first) entries = entries.Where(w => w.EntryDate >= first.ToDateTime(TimeOnly.MinValue));
        if (to is { } last) entries = entries.Where(w => w.EntryDate <= last.ToDateTime(TimeOnly.MinValue));
        return await Paging.Write(
            Response, entries.OrderBy(w => w.EntryDate), page, pageSize, WellnessEntryDto.From, cancel);
    }

    [HttpPost, Authorize(Policies.WellnessWrite)]
    public async Task<ActionResult<WellnessEntryDto>> Create(
        Guid athleteId, CreateWellnessEntryRequest request, CancellationToken cancel)
    {
        if (!await db.Athletes.AnyAsync(a => a.AthleteId == athleteId, cancel)) return NotFound();
        var entryDate = request.EntryDate!.Value.ToDateTime(TimeOnly.MinValue);
        if (await db.WellnessEntries.AnyAsync(w => w.AthleteId == athleteId && w.EntryDate == entryDate, cancel))
            return EntryConflict(athleteId, request);
        var entry = new WellnessEntry
        {
            WellnessEntryId = Guid.NewGuid(),
            AthleteId = athleteId,
            EntryDate = entryDate,
            Sleep = (byte)request.Sleep!.Value,
            Soreness = (byte)request.Soreness!.Value,
            Fatigue = (byte)request.Fatigue!.Value,
            Stress = (byte)request.Stress!.Value,
            Mood = (byte)request.Mood!.Value,
            Notes = request.Notes,
            CreatedAt = clock.UtcNow(),
            Version = 1,
        };
        entry.Score = WellnessScore.Compute(entry);
        db.WellnessEntries.Add(entry);
        try
        {
            await db.SaveChangesAsync(cancel);
        }
        catch (DbUpdateException error) when (UniqueViolation.Is(error))
        {
            return EntryConflict(athleteId, request);
        }
        var day = request.EntryDate.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return CreatedAtAction(nameof(List), new { athleteId, from = day, to = day }, WellnessEntryDto.From(entry));
    }

    private ObjectResult EntryConflict(Guid athleteId, CreateWellnessEntryRequest request) =>
        Problem(statusCode: StatusCodes.Status409Conflict,
            detail: $"A wellness entry for athlete '{athleteId}' on " +
                $"{request.EntryDate!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} already exists.");
}
