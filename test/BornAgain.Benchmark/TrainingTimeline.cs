using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.ML.BornAgain.Training;

namespace BornAgain.Benchmark;

/// <summary>
/// Listens to the library's training spans (<see cref="TrainingActivities"/>) during one <c>Fit</c> and keeps each
/// span's name, start and end as <see cref="Stopwatch"/> timestamps, so the benchmark can say where a generation's
/// time went.
/// </summary>
internal sealed class TrainingTimeline : IDisposable
{
    /// <summary>One finished span: its name and when it started and stopped (Stopwatch timestamps).</summary>
    public sealed record Span(string Name, long Start, long End)
    {
        public double Seconds => (End - Start) / (double)Stopwatch.Frequency;
    }

    private readonly ConcurrentQueue<Span> _spans = new();
    private readonly ActivityListener _listener;

    public TrainingTimeline()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TrainingActivities.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                long end = Stopwatch.GetTimestamp();
                long start = end - (long)(activity.Duration.TotalSeconds * Stopwatch.Frequency);
                _spans.Enqueue(new Span(activity.OperationName, start, end));
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Span> Spans => _spans.OrderBy(s => s.Start).ToList();

    public void Dispose() => _listener.Dispose();
}
