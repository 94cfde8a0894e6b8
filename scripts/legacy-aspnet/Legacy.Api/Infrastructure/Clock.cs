namespace Legacy.Api.Infrastructure;

/// <summary>
/// The API's notion of "now": UTC, stored without an offset (datetime2), so its Kind is Unspecified —
/// Npgsql refuses a Utc DateTime for a timestamp-without-time-zone column, and SQL Server ignores Kind.
/// Truncated to the column's precision so a response written from memory equals the row read back.
/// </summary>
public sealed class Clock(TimeProvider time, long ticksPrecision)
{
    public DateTime UtcNow()
    {
        var ticks = time.GetUtcNow().UtcDateTime.Ticks;
        return new DateTime(ticks - ticks % ticksPrecision, DateTimeKind.Unspecified);
    }

    public DateTime Today() => UtcNow().Date;
}

/// <summary>A clock that stands still, for recording contracts (Legacy:FixedUtcNow).</summary>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
