using System.Globalization;
using System.Text.Json.Nodes;

namespace BornAgain.Benchmark;

/// <summary>
/// Sums what oneDNN's own log (<c>ONEDNN_VERBOSE=1</c>) says a training step spends in convolutions, by pass, and in
/// layout reorders: both LibTorch 2.10 (oneDNN 3.x) and PyTorch 1.13 (oneDNN 2.x) print one line per executed
/// primitive with its kernel and its time, so the two sides' kernels compare call by call.
/// </summary>
/// <remarks>
/// oneDNN 3.x writes <c>onednn_verbose,v1,primitive,exec,cpu,KIND,KERNEL,PASS,...,SHAPE,MS</c> and 2.x
/// <c>onednn_verbose,exec,cpu,KIND,KERNEL,PASS,...,SHAPE,MS</c>; both are read from the field after <c>exec</c>.
/// Each primitive's time is the median of its calls after the first quarter (kernel creation and warm-up), times its
/// calls per step; the steps are counted as the calls of the first convolution's forward pass (the network's stem,
/// once per training step).
/// </remarks>
internal static class OneDnnLog
{
    public const string Variable = "ONEDNN_VERBOSE";

    private sealed record Call(string Kind, string Kernel, string Pass, string Shape, double Ms);

    /// <summary>The per-step sums of the log's lines (other lines are ignored), or null when it has no convolution.</summary>
    public static JsonObject? Summarize(IEnumerable<string> lines)
    {
        var calls = lines.Select(Parse).OfType<Call>().ToList();
        var stem = calls.FirstOrDefault(c => c.Kind == "convolution" && c.Pass == "forward_training");
        if (stem is null)
            return null;
        double steps = calls.Count(c => c.Kind == stem.Kind && c.Pass == stem.Pass && c.Shape == stem.Shape);

        var primitives = calls.GroupBy(c => (c.Kind, c.Pass, c.Shape, c.Kernel)).Select(g =>
        {
            var times = g.Select(c => c.Ms).ToList();
            double median = Statistics.Median(times.Skip(times.Count / 4));
            return (g.Key.Kind, g.Key.Pass, g.Key.Shape, g.Key.Kernel, PerStep: g.Count() / steps, MedianMs: median);
        }).ToList();
        double Sum(Func<(string Kind, string Pass, string Shape, string Kernel, double PerStep, double MedianMs), bool> which) =>
            Math.Round(primitives.Where(which).Sum(p => p.PerStep * p.MedianMs), 2);

        var convolutions = new JsonArray();
        foreach (var p in primitives.Where(p => p.Kind == "convolution").OrderBy(p => p.Pass, StringComparer.Ordinal).ThenBy(p => p.Shape, StringComparer.Ordinal))
        {
            convolutions.Add(new JsonObject
            {
                ["pass"] = p.Pass, ["shape"] = p.Shape, ["kernel"] = p.Kernel,
                ["callsPerStep"] = Math.Round(p.PerStep, 2), ["medianMs"] = Math.Round(p.MedianMs, 3),
            });
        }
        return new JsonObject
        {
            ["steps"] = steps,
            ["forwardMs"] = Sum(p => p.Kind == "convolution" && p.Pass.StartsWith("forward", StringComparison.Ordinal)),
            ["backwardDataMs"] = Sum(p => p.Kind == "convolution" && p.Pass == "backward_data"),
            ["backwardWeightsMs"] = Sum(p => p.Kind == "convolution" && p.Pass == "backward_weights"),
            ["reorderMs"] = Sum(p => p.Kind == "reorder"),
            ["convolutionsAndReordersMs"] = Sum(p => p.Kind is "convolution" or "reorder"),
            ["convolutions"] = convolutions,
        };
    }

    private static Call? Parse(string line)
    {
        if (!line.StartsWith("onednn_verbose,", StringComparison.Ordinal))
            return null;
        string[] f = line.Split(',');
        int exec = Array.IndexOf(f, "exec");
        if (exec < 0 || f.Length < exec + 6
            || !double.TryParse(f[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double ms))
        {
            return null;
        }
        return new Call(Kind: f[exec + 2], Kernel: f[exec + 3], Pass: f[exec + 4], Shape: f[^2], Ms: ms);
    }
}
