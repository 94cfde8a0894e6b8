namespace Legacy.Api.Controllers;

[ApiController]
[Route("api/reports")]
public class ReportsController(LegacyDbContext db, Clock clock) : ControllerBase
{
    /// <summary>Each active member of a squad with their latest wellness score of the last seven days.</summary>
    [HttpGet("availability"), Authorize(Policies.AthletesRead), Authorize(Policies.WellnessRead)]
    public async Task<ActionResult<AvailabilityReportDto>> Availability(
        [FromQuery, Required] Guid? squadId, CancellationToken cancel)
    {
        var squad = await db.Squads.AsNoTracking().FirstOrDefaultAsync(s => s.SquadId == squadId, cancel);
        if (squad is null) return NotFound();
        var today = clock.Today();
        var weekAgo = today.AddDays(-6);
        var athletes = await db.Athletes.AsNoTracking()
            .Where(a => a.SquadId == squad.SquadId && a.IsActive)
            .OrderByName()
            .ToListAsync(cancel);
        var entries = await db.WellnessEntries.AsNoTracking()
            .Where(w => w.EntryDate >= weekAgo && w.EntryDate <= today)
            .Join(db.Athletes.Where(a => a.SquadId == squad.SquadId && a.IsActive),
                w => w.AthleteId, a => a.AthleteId, (w, a) => w)
            .ToListAsync(cancel);
        var latest = entries.GroupBy(w => w.AthleteId)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(w => w.EntryDate).First());
        var rows = athletes.Select(a =>
        {
            var entry = latest.GetValueOrDefault(a.AthleteId);
            return new AthleteAvailabilityDto(
                a.AthleteId, a.FirstName, a.LastName, entry?.EntryDate, entry?.Score, Status(entry?.Score));
        }).ToList();
        return new AvailabilityReportDto(squad.SquadId, squad.Name, today, rows);
    }

    private static string Status(decimal? score) => score switch
    {
        null => "NoData",
        >= 3.5m => "Available",
        >= 2.5m => "Modified",
        _ => "Unavailable",
    };
}
