using Microsoft.AspNetCore.Http;

namespace Legacy.Api.Controllers;

/// <summary>Page 1, 50 per page, at most 200; the total goes out in X-Total-Count.</summary>
public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public static async Task<List<TDto>> Write<TEntity, TDto>(
        HttpResponse response,
        IOrderedQueryable<TEntity> query,
        int page,
        int pageSize,
        Func<TEntity, TDto> toDto,
        CancellationToken cancel)
    {
        var total = await query.CountAsync(cancel);
        var rows = await query.Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancel);
        response.Headers["X-Total-Count"] = total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return rows.Select(toDto).ToList();
    }

    // Names are not unique, so AthleteId breaks ties and pages never overlap.
    public static IOrderedQueryable<Athlete> OrderByName(this IQueryable<Athlete> athletes) =>
        athletes.OrderBy(a => a.LastName).ThenBy(a => a.FirstName).ThenBy(a => a.AthleteId);
}
