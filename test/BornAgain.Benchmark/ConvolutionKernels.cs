using System.Globalization;
using System.Text.Json.Nodes;

namespace BornAgain.Benchmark;

/// <summary>
/// The report's rows and table of where the convolutions' time goes, from oneDNN's own log of training steps on both
/// sides (<see cref="OneDnnLog"/>): our raw TorchSharp loop (the network and kernels the estimator runs) against
/// PyTorch's default and its <c>channels_last</c>, pass by pass, and the convolutions that differ most.
/// </summary>
internal static class ConvolutionKernels
{
    public const string Ours = "oneDnnOurs";
    public const string Peer = "oneDnnPytorch";
    public const string PeerChannelsLast = "oneDnnPytorchChannelsLast";

    /// <summary>Differences per step below this (ms) are left out of the table: they are within the log's noise.</summary>
    private const double ShownDifferenceMs = 0.15;

    private static readonly (string Key, string Label)[] Passes =
    [
        ("forwardMs", "forward"),
        ("backwardDataMs", "backward to the input"),
        ("backwardWeightsMs", "backward to the weights"),
        ("reorderMs", "layout reorders"),
    ];

    /// <summary>
    /// Adds the rows (each pass, ours vs PyTorch's default; the rest of the teacher's step from the training rounds'
    /// median steps) and the table; runs made before these phases existed add nothing.
    /// </summary>
    public static void AddTo(BenchmarkReport report, JsonObject phases, double teacherStepMs, double peerStepMs)
    {
        if (Log(phases, Ours) is not { } ours || Log(phases, Peer) is not { } peer)
            return;
        var channelsLast = Log(phases, PeerChannelsLast);
        string source = $"oneDNN's own log of {ours.Number("steps")} training steps, raw loop";
        report.AtMost($"Convolutions and layout reorders per training step ({source}) vs PyTorch's default",
            ours.Number("convolutionsAndReordersMs"), peer.Number("convolutionsAndReordersMs"), "ms", null);
        if (channelsLast is not null)
        {
            report.AtMost($"Convolutions and layout reorders per training step ({source}) vs PyTorch with channels_last",
                ours.Number("convolutionsAndReordersMs"), channelsLast.Number("convolutionsAndReordersMs"), "ms", null);
        }
        foreach (var (key, label) in Passes)
            report.AtMost($"Convolutions per training step, {label} (oneDNN's log) vs PyTorch's default", ours.Number(key), peer.Number(key), "ms", null);
        report.AtMost("Teacher step outside oneDNN's convolutions and reorders (median step - the log's sum) vs PyTorch's",
            teacherStepMs - ours.Number("convolutionsAndReordersMs"), peerStepMs - peer.Number("convolutionsAndReordersMs"), "ms", null);

        var against = channelsLast ?? peer;
        string peerName = channelsLast is null ? "PyTorch" : "PyTorch channels_last";
        var rows = new List<string[]>();
        var theirs = Convolutions(against);
        foreach (var c in Convolutions(ours).Values)
        {
            if (!theirs.TryGetValue((c.Pass, c.Shape), out var t))
                continue;
            double difference = c.PerStep * c.MedianMs - t.PerStep * t.MedianMs;
            if (Math.Abs(difference) < ShownDifferenceMs)
                continue;
            rows.Add([c.Pass, c.Shape, F(c.PerStep, "0.##"), $"{c.Kernel} {F(c.MedianMs, "0.00")}", $"{t.Kernel} {F(t.MedianMs, "0.00")}",
                F(difference, "+0.00;-0.00")]);
        }
        string note = "Each convolution's time is its median call after the first quarter of its calls (kernel creation), times its calls " +
            "per step. The log slows every step, so no step time is read from these runs; they run once, after the training rounds.";
        report.Section($"Where the convolutions' time goes: oneDNN's kernels, ours vs {peerName} (convolutions differing by {F(ShownDifferenceMs, "0.00")} ms per step or more)",
            ["Pass", "Shape (oneDNN)", "Calls per step", "Ours: kernel, median ms", $"{peerName}: kernel, median ms", "Difference per step (ms)"],
            rows, note);
    }

    private static JsonObject? Log(JsonObject phases, string phase) => phases[phase]?["oneDnn"] as JsonObject;

    /// <summary>Each pass and shape's convolution; where oneDNN ran one shape with two kernels, the one called most.</summary>
    private static Dictionary<(string Pass, string Shape), (string Pass, string Shape, string Kernel, double PerStep, double MedianMs)> Convolutions(JsonObject log) =>
        log["convolutions"]!.AsArray().Select(c => c!.AsObject())
            .Select(c => (Pass: c["pass"]!.ToString(), Shape: c["shape"]!.ToString(), Kernel: c["kernel"]!.ToString(),
                PerStep: c.Number("callsPerStep"), MedianMs: c.Number("medianMs")))
            .GroupBy(c => (c.Pass, c.Shape))
            .ToDictionary(g => g.Key, g => g.MaxBy(c => c.PerStep));

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
