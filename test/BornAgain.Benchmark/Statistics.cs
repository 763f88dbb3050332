using System.Diagnostics;

namespace BornAgain.Benchmark;

/// <summary>Order statistics of timings.</summary>
internal static class Statistics
{
    public static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    /// <summary>The nearest-rank percentile (<paramref name="fraction"/> in (0, 1]).</summary>
    public static double Percentile(IEnumerable<double> values, double fraction)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        int rank = (int)Math.Ceiling(fraction * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Timed passes over the whole test set behind each throughput figure, after one warm-up pass.</summary>
    public const int TimedPasses = 5;

    /// <summary>
    /// Runs <paramref name="first"/> and <paramref name="second"/> alternately (one warm-up pass each, then
    /// <see cref="TimedPasses"/> each) and returns the median seconds of each: on a shared machine another process
    /// then slows both alike, where two separate runs could each meet a different load.
    /// </summary>
    public static (double First, double Second) MedianPassSeconds(Action first, Action second)
    {
        first();
        second();
        var firstSeconds = new double[TimedPasses];
        var secondSeconds = new double[TimedPasses];
        for (int i = 0; i < TimedPasses; i++)
        {
            firstSeconds[i] = Seconds(first);
            secondSeconds[i] = Seconds(second);
        }
        return (Median(firstSeconds), Median(secondSeconds));
    }

    private static double Seconds(Action pass)
    {
        long t0 = Stopwatch.GetTimestamp();
        pass();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}
