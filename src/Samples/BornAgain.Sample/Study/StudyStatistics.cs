using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>Mean ± sample standard deviation of one row over seeds.</summary>
/// <param name="Count">Number of seeds.</param>
/// <param name="Mean">Arithmetic mean.</param>
/// <param name="StandardDeviation">Sample standard deviation (n − 1 denominator); NaN for a single seed.</param>
internal readonly record struct SeedSummary(int Count, double Mean, double StandardDeviation);

/// <summary>A paired difference (method − baseline, matched by seed) with its two-sided confidence interval.</summary>
/// <param name="Count">Number of seeds present in both.</param>
/// <param name="Mean">Mean of the per-seed differences.</param>
/// <param name="Lower">Lower end of the interval; NaN with fewer than two pairs.</param>
/// <param name="Upper">Upper end of the interval; NaN with fewer than two pairs.</param>
internal readonly record struct PairedDifference(int Count, double Mean, double Lower, double Upper)
{
    /// <summary>Whether the interval lies entirely below zero (the method's error is lower beyond seed noise).</summary>
    public bool IsBelowZero => Upper < 0;

    /// <summary>Whether the interval lies entirely above zero (the method's error is higher beyond seed noise).</summary>
    public bool IsAboveZero => Lower > 0;
}

/// <summary>
/// The study's statistics, from Math.NET Numerics: per-row mean and sample SD over seeds, and paired differences with a
/// Student-t confidence interval (the seed pairs a method with the teacher trained from the same initial weights
/// and batch order, so the per-seed differences cancel most of the seed-to-seed variation).
/// </summary>
internal static class StudyStatistics
{
    public static SeedSummary Summarize(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
            return new SeedSummary(0, double.NaN, double.NaN);
        return new SeedSummary(values.Count, values.Mean(), values.Count > 1 ? values.StandardDeviation() : double.NaN);
    }

    /// <summary>
    /// Mean of <c>method[seed] − baseline[seed]</c> over the seeds present in both, and its <paramref name="confidence"/>
    /// interval <c>mean ± t(1 − α/2, n − 1) · sd / √n</c>.
    /// </summary>
    public static PairedDifference Paired(IReadOnlyDictionary<int, double> method, IReadOnlyDictionary<int, double> baseline,
        double confidence = 0.95)
    {
        var differences = method.Keys.Where(baseline.ContainsKey).Order().Select(seed => method[seed] - baseline[seed]).ToList();
        if (differences.Count == 0)
            return new PairedDifference(0, double.NaN, double.NaN, double.NaN);
        double mean = differences.Mean();
        if (differences.Count < 2)
            return new PairedDifference(1, mean, double.NaN, double.NaN);
        double t = StudentT.InvCDF(location: 0, scale: 1, freedom: differences.Count - 1, p: 1 - (1 - confidence) / 2);
        double halfWidth = t * differences.StandardDeviation() / Math.Sqrt(differences.Count);
        return new PairedDifference(differences.Count, mean, mean - halfWidth, mean + halfWidth);
    }
}
