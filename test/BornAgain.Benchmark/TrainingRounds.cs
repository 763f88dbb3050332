using System.Globalization;
using System.Text.Json.Nodes;

namespace BornAgain.Benchmark;

/// <summary>
/// The training phases of a run, library and PyTorch, repeated round after round in the same order (BenchmarkRun), so
/// that a change in the machine's speed, which on a shared machine moves by 15-30% from one minute to the next, meets
/// every side alike. A training row reports the median of our figure and of the peer's over the rounds, and lists each
/// round's ratio so the spread can be read. A run saved before rounds existed reads as one round.
/// </summary>
internal sealed class TrainingRounds
{
    /// <summary>Where a run's phases keep their rounds: an array of objects, each holding one round's training phases.</summary>
    public const string Key = "trainingRounds";

    private readonly List<JsonObject> _rounds;

    public TrainingRounds(JsonObject phases) =>
        _rounds = phases[Key] is JsonArray rounds ? rounds.Select(r => r!.AsObject()).ToList() : [phases];

    /// <summary>The first round's result of <paramref name="phase"/> (the breakdown table, memory and the saved model come from it).</summary>
    public JsonObject First(string phase) => _rounds[0][phase]!.AsObject();

    /// <summary>Whether the run measured <paramref name="phase"/> (phases added later are absent from older runs).</summary>
    public bool Has(string phase) => _rounds[0][phase] is JsonObject;

    /// <summary>The median over the rounds of a figure read from each round's phases.</summary>
    public double Median(Func<Round, double> figure) => Statistics.Median(_rounds.Select(r => figure(new Round(r))));

    /// <summary>A higher-is-better row: medians of ours and the peer's over the rounds, each round's ratio in the metric.</summary>
    public void AtLeast(BenchmarkReport report, string metric, Func<Round, double> ours, Func<Round, double> peer, string unit, double? minimum) =>
        report.AtLeast(WithRatios(metric, ours, peer), Median(ours), Median(peer), unit, minimum);

    /// <summary>A lower-is-better row: medians of ours and the peer's over the rounds, each round's ratio in the metric.</summary>
    public void AtMost(BenchmarkReport report, string metric, Func<Round, double> ours, Func<Round, double> peer, string unit, double? maximum) =>
        report.AtMost(WithRatios(metric, ours, peer), Median(ours), Median(peer), unit, maximum);

    private string WithRatios(string metric, Func<Round, double> ours, Func<Round, double> peer)
    {
        if (_rounds.Count == 1)
            return metric;
        var ratios = _rounds.Select(r => new Round(r)).Select(r => (ours(r) / peer(r)).ToString("0.00", CultureInfo.InvariantCulture) + "x");
        return $"{metric}; medians of {_rounds.Count} rounds (rounds: {string.Join(", ", ratios)})";
    }

    /// <summary>One round's training phases.</summary>
    public readonly record struct Round(JsonObject Phases)
    {
        public JsonObject this[string phase] => Phases[phase]!.AsObject();
    }
}
