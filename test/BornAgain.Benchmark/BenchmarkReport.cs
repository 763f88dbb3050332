using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace BornAgain.Benchmark;

/// <summary>
/// One line of the result table: our figure, the peer's, their ratio and the project's target; a figure with no peer
/// (<see cref="BenchmarkReport.Figure"/>) has no ratio.
/// </summary>
internal sealed record RatioRow(string Metric, string Ours, string Peer, double? Ratio, string Target, bool? Met);

/// <summary>Turns the phases' results into the benchmark's ratios, prints them and writes JSON and Markdown.</summary>
internal sealed class BenchmarkReport
{
    private readonly List<RatioRow> _rows = [];
    private readonly JsonObject _phases;
    private readonly JsonObject _machine;

    public BenchmarkReport(JsonObject phases, JsonObject machine)
    {
        _phases = phases;
        _machine = machine;
    }

    public IReadOnlyList<RatioRow> Rows => _rows;

    /// <summary>A higher-is-better ratio (ours / peer) against a minimum; <paramref name="minimum"/> null is informational.</summary>
    public void AtLeast(string metric, double ours, double peer, string unit, double? minimum) =>
        _rows.Add(new RatioRow(metric, Format(ours, unit), Format(peer, unit), ours / peer,
            minimum is null ? "(info)" : $">= {minimum:0.##}x", minimum is null ? null : ours / peer >= minimum));

    /// <summary>A lower-is-better ratio (ours / peer) against a maximum; <paramref name="maximum"/> null is informational.</summary>
    public void AtMost(string metric, double ours, double peer, string unit, double? maximum) =>
        _rows.Add(new RatioRow(metric, Format(ours, unit), Format(peer, unit), ours / peer,
            maximum is null ? "(info)" : $"<= {maximum:0.##}x", maximum is null ? null : ours / peer <= maximum));

    /// <summary>An absolute figure with nothing to divide it by (such as requests per second): no peer, ratio or target.</summary>
    public void Figure(string metric, string ours) => _rows.Add(new RatioRow(metric, ours, "", null, "(info)", null));

    public void Print()
    {
        var table = new Table().Title("BornAgain.ML performance (ratios to each peer)");
        foreach (var header in new[] { "Metric", "BornAgain.ML", "Peer", "Ratio", "Target", "Met" })
            table.AddColumn(header);
        foreach (var row in _rows)
        {
            string met = row.Met switch { true => "[green]yes[/]", false => "[red]no[/]", null => "" };
            table.AddRow(Markup.Escape(row.Metric), Markup.Escape(row.Ours), Markup.Escape(row.Peer),
                RatioText(row), Markup.Escape(row.Target), met);
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape(MachineLine()));
    }

    public void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var rows = new JsonArray();
        foreach (var row in _rows)
        {
            rows.Add(new JsonObject
            {
                ["metric"] = row.Metric, ["ours"] = row.Ours, ["peer"] = row.Peer,
                ["ratio"] = row.Ratio is { } ratio ? Math.Round(ratio, 3) : null, ["target"] = row.Target, ["met"] = row.Met,
            });
        }
        var json = new JsonObject { ["machine"] = _machine.DeepClone(), ["ratios"] = rows, ["phases"] = _phases.DeepClone() };
        File.WriteAllText(Path.Combine(folder, "benchmark.json"), json.ToJsonString(PhaseRunner.Indented));
        File.WriteAllText(Path.Combine(folder, "benchmark.md"), Markdown());
    }

    public string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine("| Metric | BornAgain.ML | Peer | Ratio | Target | Met |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var row in _rows)
        {
            string met = row.Met switch { true => "yes", false => "**no**", null => "" };
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Metric} | {row.Ours} | {row.Peer} | {RatioText(row)} | {row.Target} | {met} |");
        }
        md.AppendLine();
        md.AppendLine(MachineLine());
        return md.ToString();
    }

    private string MachineLine() => string.Join("; ", _machine.Select(p => $"{p.Key}: {p.Value}"));

    private static string RatioText(RatioRow row) =>
        row.Ratio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "";

    private static string Format(double value, string unit) => unit switch
    {
        "img/s" => value.ToString("0", CultureInfo.InvariantCulture) + " img/s",
        "ms" => value.ToString("0.00", CultureInfo.InvariantCulture) + " ms",
        "MB" => value.ToString("0", CultureInfo.InvariantCulture) + " MB",
        "s" => value.ToString("0.00", CultureInfo.InvariantCulture) + " s",
        _ => value.ToString("0.###", CultureInfo.InvariantCulture) + unit,
    };
}
