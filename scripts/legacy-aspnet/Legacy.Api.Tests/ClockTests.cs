using Legacy.Api.Infrastructure;
using Xunit;

namespace Legacy.Api.Tests;

public class ClockTests
{
    private static readonly DateTimeOffset Instant = new DateTimeOffset(2026, 11, 21, 10, 15, 30, TimeSpan.Zero).AddTicks(1_234_567);

    [Fact]
    public void KeepsEveryTickForDatetime2()
    {
        var now = new Clock(new FixedTimeProvider(Instant), 1).UtcNow();
        Assert.Equal(Instant.UtcDateTime.Ticks, now.Ticks);
        Assert.Equal(DateTimeKind.Unspecified, now.Kind);
    }

    [Fact]
    public void TruncatesToMicrosecondsForPostgres()
    {
        var now = new Clock(new FixedTimeProvider(Instant), TimeSpan.TicksPerMicrosecond).UtcNow();
        Assert.Equal("2026-11-21T10:15:30.1234560", now.ToString("yyyy-MM-ddTHH:mm:ss.fffffff"));
    }
}
