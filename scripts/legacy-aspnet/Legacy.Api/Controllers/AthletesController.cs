namespace Legacy.Api.Controllers;

[ApiController]
[Route("api/athletes")]
public class AthletesController(LegacyDbContext db, Clock clock) : ControllerBase
{
    [HttpGet, Authorize(Policies.AthletesRead)]
    public async Task<ActionResult<IEnumerable<AthleteDto>>> List(
        [FromQuery, Range(1, int.MaxValue)] int page = 1,
        [FromQuery, Range(1, Paging.MaxPageSize)] int pageSize = Paging.DefaultPageSize,
        CancellationToken cancel = default)
    {
        var athletes = db.Athletes.AsNoTracking().Where(a => a.IsActive).OrderByName();
        return await Paging.Write(Response, athletes, page, pageSize, AthleteDto.From, cancel);
    }

    [HttpGet("{athleteId:guid}"), Authorize(Policies.AthletesRead)]
    public async Task<ActionResult<AthleteDto>> Get(Guid athleteId, CancellationToken cancel)
    {
        var athlete = await db.Athletes.AsNoTracking().FirstOrDefaultAsync(a => a.AthleteId == athleteId, cancel);
        return athlete is null ? NotFound() : AthleteDto.From(athlete);
    }

    [HttpPost, Authorize(Policies.AthletesWrite)]
    public async Task<ActionResult<AthleteDto>> Create(CreateAthleteRequest request, CancellationToken cancel)
    {
        if (await CheckWrite(request, null, cancel) is { } refused) return refused;
        var now = clock.UtcNow();
        var athlete = new Athlete { AthleteId = Guid.NewGuid(), IsActive = true, CreatedAt = now, Version = 1 };
        Apply(request, athlete, now);
        db.Athletes.Add(athlete);
        if (await Save(request, cancel) is { } conflict) return conflict;
        return CreatedAtAction(nameof(Get), new { athleteId = athlete.AthleteId }, AthleteDto.From(athlete));
    }

    [HttpPut("{athleteId:guid}"), Authorize(Policies.AthletesWrite)]
    public async Task<ActionResult<AthleteDto>> Update(
        Guid athleteId, UpdateAthleteRequest request, CancellationToken cancel)
    {
        var athlete = await db.Athletes.FirstOrDefaultAsync(a => a.AthleteId == athleteId, cancel);
        if (athlete is null) return NotFound();
        if (await CheckWrite(request, athleteId, cancel) is { } refused) return refused;
        Apply(request, athlete, clock.UtcNow());
        athlete.Version++;
        if (await Save(request, cancel) is { } conflict) return conflict;
        return AthleteDto.From(athlete);
    }

    /// <summary>A soft delete: the athlete stays, inactive. Deleting an inactive athlete changes nothing.</summary>
    [HttpDelete("{athleteId:guid}"), Authorize(Policies.AthletesDelete)]
    public async Task<IActionResult> Delete(Guid athleteId, CancellationToken cancel)
    {
        var athlete = await db.Athletes.FirstOrDefaultAsync(a => a.AthleteId == athleteId, cancel);
        if (athlete is null) return NotFound();
        if (athlete.IsActive)
        {
            athlete.IsActive = false;
            athlete.UpdatedAt = clock.UtcNow();
            athlete.Version++;
            await db.SaveChangesAsync(cancel);
        }
        return NoContent();
    }

    private async Task<ActionResult?> CheckWrite(
        CreateAthleteRequest request, Guid? athleteId, CancellationToken cancel)
    {
        if (!await db.Squads.AnyAsync(s => s.SquadId == request.SquadId, cancel))
        {
            ModelState.AddModelError(nameof(request.SquadId), $"Squad '{request.SquadId}' does not exist.");
            return ValidationProblem(ModelState);
        }
        var emailTaken = await db.Athletes.AnyAsync(
            a => a.Email == request.Email && a.AthleteId != athleteId, cancel);
        return emailTaken ? EmailConflict(request) : null;
    }

    private async Task<ActionResult?> Save(CreateAthleteRequest request, CancellationToken cancel)
    {
        try
        {
            await db.SaveChangesAsync(cancel);
            return null;
        }
        catch (DbUpdateException error) when (UniqueViolation.Is(error))
        {
            return EmailConflict(request);
        }
    }

    private ObjectResult EmailConflict(CreateAthleteRequest request) =>
        Problem(statusCode: StatusCodes.Status409Conflict,
            detail: $"An athlete with the email '{request.Email}' already exists.");

    private static void Apply(CreateAthleteRequest request, Athlete athlete, DateTime now)
    {
        athlete.SquadId = request.SquadId!.Value;
        athlete.FirstName = request.FirstName!;
        athlete.LastName = request.LastName!;
        athlete.Email = request.Email!;
        athlete.DateOfBirth = request.DateOfBirth!.Value.ToDateTime(TimeOnly.MinValue);
        athlete.Position = request.Position;
        athlete.UpdatedAt = now;
    }
}
