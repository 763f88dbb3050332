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
    /// <see cref="TimedPasses"/> each) and returns the median seconds of each.
    /// </summary>
    public static (double First, double Second) MedianPassSeconds(Action first, Action second)
    {
        var medians = AlternatingMedians(1, TimedPasses, () => Seconds(first), () => Seconds(second));
        return (medians[0], medians[1]);
    }

    /// <summary>
    /// Runs the <paramref name="parts"/> in turn, round after round (<paramref name="warmupRounds"/> untimed, then
    /// <paramref name="timedRounds"/>), each part returning the seconds it measured, and returns each part's median: on
    /// a shared machine another process then slows all parts alike, where separate runs could each meet another load.
    /// </summary>
    public static double[] AlternatingMedians(int warmupRounds, int timedRounds, params Func<double>[] parts)
    {
        var times = parts.Select(_ => new List<double>(timedRounds)).ToArray();
        for (int round = 0; round < warmupRounds + timedRounds; round++)
        {
            for (int p = 0; p < parts.Length; p++)
            {
                double seconds = parts[p]();
                if (round >= warmupRounds)
                    times[p].Add(seconds);
            }
        }
        return times.Select(Median).ToArray();
    }

    /// <summary>The seconds <paramref name="action"/> takes.</summary>
    public static double Seconds(Action action)
    {
        long t0 = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}
