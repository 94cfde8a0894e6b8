namespace Legacy.Api.Controllers;

[ApiController]
[Route("api/squads")]
public class SquadsController(LegacyDbContext db) : ControllerBase
{
    [HttpGet, Authorize(Policies.AthletesRead)]
    public async Task<IEnumerable<SquadDto>> List(CancellationToken cancel)
    {
        var squads = await db.Squads.AsNoTracking()
            .OrderBy(s => s.Name).ThenBy(s => s.SquadId)
            .ToListAsync(cancel);
        return squads.Select(SquadDto.From);
    }

    [HttpGet("{squadId:guid}/athletes"), Authorize(Policies.AthletesRead)]
    public async Task<ActionResult<IEnumerable<AthleteDto>>> ListAthletes(
        Guid squadId,
        [FromQuery] bool includeInactive = false,
        [FromQuery, Range(1, int.MaxValue)] int page = 1,
        [FromQuery, Range(1, Paging.MaxPageSize)] int pageSize = Paging.DefaultPageSize,
        CancellationToken cancel = default)
    {
        if (!await db.Squads.AnyAsync(s => s.SquadId == squadId, cancel)) return NotFound();
        var athletes = db.Athletes.AsNoTracking().Where(a => a.SquadId == squadId);
        if (!includeInactive) athletes = athletes.Where(a => a.IsActive);
        return await Paging.Write(Response, athletes.OrderByName(), page, pageSize, AthleteDto.From, cancel);
    }
}
