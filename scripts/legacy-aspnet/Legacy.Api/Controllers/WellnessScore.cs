namespace Legacy.Api.Controllers;

public static class WellnessScore
{
    /// <summary>
    /// Sleep and mood count up, soreness, fatigue and stress count down; weighted, in decimal arithmetic,
    /// rounded by Math.Round's default (to even) to one decimal.
    /// </summary>
    public static decimal Compute(WellnessEntry e)
    {
        var weighted = 0.30m * e.Sleep + 0.20m * (6 - e.Soreness) + 0.20m * (6 - e.Fatigue)
            + 0.15m * (6 - e.Stress) + 0.15m * e.Mood;
        return Math.Round(weighted, 1);
    }
}
