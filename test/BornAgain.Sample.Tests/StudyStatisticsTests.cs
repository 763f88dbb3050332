using Microsoft.ML.BornAgain.Sample.Study;

namespace BornAgain.Sample.Tests;

/// <summary>
/// The study's statistics against values computed independently (R: mean, sd, t.test(paired = TRUE); the t quantiles
/// are the textbook table values qt(0.975, df)).
/// </summary>
[TestClass]
public sealed class StudyStatisticsTests
{
    [TestMethod]
    public void SummaryIsMeanAndSampleStandardDeviation()
    {
        var summary = StudyStatistics.Summarize([0.12, 0.15, 0.11, 0.14]);

        Assert.AreEqual(4, summary.Count);
        Assert.AreEqual(0.13, summary.Mean, 1e-12);
        // sqrt(((-0.01)^2 + 0.02^2 + (-0.02)^2 + 0.01^2) / 3) = sqrt(0.001 / 3)
        Assert.AreEqual(Math.Sqrt(0.001 / 3), summary.StandardDeviation, 1e-12);
    }

    [TestMethod]
    public void OneSeedHasNoStandardDeviation()
    {
        var summary = StudyStatistics.Summarize([0.2]);

        Assert.AreEqual(1, summary.Count);
        Assert.AreEqual(0.2, summary.Mean, 1e-12);
        Assert.IsTrue(double.IsNaN(summary.StandardDeviation));
    }

    [TestMethod]
    public void PairedDifferenceHasTheStudentTInterval()
    {
        // Differences 1, 2, 3: mean 2, sd 1, n 3, qt(0.975, 2) = 4.302653; half width 4.302653 / sqrt(3) = 2.484138.
        var method = new Dictionary<int, double> { [1] = 11, [1001] = 12, [2001] = 13 };
        var baseline = new Dictionary<int, double> { [1] = 10, [1001] = 10, [2001] = 10 };

        var difference = StudyStatistics.Paired(method, baseline);

        Assert.AreEqual(3, difference.Count);
        Assert.AreEqual(2, difference.Mean, 1e-12);
        Assert.AreEqual(2 - 2.484138, difference.Lower, 1e-5);
        Assert.AreEqual(2 + 2.484138, difference.Upper, 1e-5);
        Assert.IsFalse(difference.IsAboveZero, "the interval [-0.48, 4.48] contains 0");
    }

    [TestMethod]
    public void PairingIsBySeedNotByPosition()
    {
        // R: t.test(c(0.30, 0.28, 0.33, 0.29, 0.31), c(0.32, 0.31, 0.35, 0.30, 0.34), paired = TRUE)
        // differences -0.02 -0.03 -0.02 -0.01 -0.03: mean -0.022, sd 0.008366600, qt(0.975, 4) = 2.776445,
        // 95% CI -0.032388 to -0.011612.
        var method = new Dictionary<int, double> { [5] = 0.31, [1] = 0.30, [4] = 0.29, [2] = 0.28, [3] = 0.33 };
        var baseline = new Dictionary<int, double> { [1] = 0.32, [2] = 0.31, [3] = 0.35, [4] = 0.30, [5] = 0.34, [6] = 0.99 };

        var difference = StudyStatistics.Paired(method, baseline);

        Assert.AreEqual(5, difference.Count, "seed 6 has no pair and is left out");
        Assert.AreEqual(-0.022, difference.Mean, 1e-12);
        Assert.AreEqual(-0.032388, difference.Lower, 1e-6);
        Assert.AreEqual(-0.011612, difference.Upper, 1e-6);
        Assert.IsTrue(difference.IsBelowZero);
    }

    [TestMethod]
    public void OnePairGivesADifferenceWithoutInterval()
    {
        var difference = StudyStatistics.Paired(new Dictionary<int, double> { [1] = 0.25 }, new Dictionary<int, double> { [1] = 0.2 });

        Assert.AreEqual(1, difference.Count);
        Assert.AreEqual(0.05, difference.Mean, 1e-12);
        Assert.IsTrue(double.IsNaN(difference.Lower) && double.IsNaN(difference.Upper));
        Assert.AreEqual("+5.00", StudyReport.FormatDifference(difference, bold: true));
    }

    [TestMethod]
    public void DifferencesAreFormattedInPointsAndBoldWhenTheIntervalExcludesZero()
    {
        var better = new PairedDifference(3, -0.0085, -0.014, -0.003);
        var noise = new PairedDifference(3, -0.002, -0.01, 0.006);

        Assert.AreEqual("**−0.85 [−1.40, −0.30]**", StudyReport.FormatDifference(better, bold: true));
        Assert.AreEqual("−0.20 [−1.00, +0.60]", StudyReport.FormatDifference(noise, bold: true));
        Assert.AreEqual("12.34 ± 0.56", StudyReport.FormatSummary(new SeedSummary(3, 0.1234, 0.0056)));
    }
}
