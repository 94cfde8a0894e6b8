using Legacy.Api.Controllers;
using Legacy.Api.Data;
using Xunit;

namespace Legacy.Api.Tests;

public class WellnessScoreTests
{
    private static WellnessEntry Answers(byte sleep, byte soreness, byte fatigue, byte stress, byte mood) =>
        new() { Sleep = sleep, Soreness = soreness, Fatigue = fatigue, Stress = stress, Mood = mood };

    [Theory]
    // 3.85 rounds to even (3.8), so does 3.05 (3.0); a whole score keeps one decimal of scale.
    [InlineData(4, 2, 2, 3, 4, "3.8")]
    [InlineData(5, 1, 1, 1, 5, "5.0")]
    [InlineData(1, 5, 5, 5, 1, "1.0")]
    [InlineData(3, 3, 3, 3, 3, "3.0")]
    [InlineData(3, 2, 3, 4, 3, "3.0")]
    public void WeightsAndRoundsHalfToEven(byte sleep, byte soreness, byte fatigue, byte stress, byte mood, string expected)
    {
        var score = WellnessScore.Compute(Answers(sleep, soreness, fatigue, stress, mood));
        Assert.Equal(expected, score.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
