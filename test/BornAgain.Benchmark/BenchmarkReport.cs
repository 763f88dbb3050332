using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace BornAgain.Benchmark;

/// <summary>
/// One line of the result table, read the same way on every line: our figure, the peer's, ours / peer, which way is
/// better ("higher" or "lower") and the project's target; a figure with no peer (<see cref="BenchmarkReport.Figure"/>)
/// has no ratio.
/// </summary>
internal sealed record RatioRow(string Metric, string Ours, string Peer, double? Ratio, string Better, string Target, bool? Met);

/// <summary>A table printed below the ratios (such as where a training run's time goes).</summary>
internal sealed record ReportSection(string Title, string[] Headers, List<string[]> Rows, string? Note);

/// <summary>Turns the phases' results into the benchmark's ratios, prints them and writes JSON and Markdown.</summary>
internal sealed class BenchmarkReport
{
    private readonly List<RatioRow> _rows = [];
    private readonly List<ReportSection> _sections = [];
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
        _rows.Add(new RatioRow(metric, Format(ours, unit), Format(peer, unit), ours / peer, "higher",
            minimum is null ? "(info)" : $">= {minimum:0.##}x", minimum is null ? null : ours / peer >= minimum));

    /// <summary>A lower-is-better ratio (ours / peer) against a maximum; <paramref name="maximum"/> null is informational.</summary>
    public void AtMost(string metric, double ours, double peer, string unit, double? maximum) =>
        _rows.Add(new RatioRow(metric, Format(ours, unit), Format(peer, unit), ours / peer, "lower",
            maximum is null ? "(info)" : $"<= {maximum:0.##}x", maximum is null ? null : ours / peer <= maximum));

    /// <summary>An absolute figure with nothing to divide it by (such as requests per second): no peer, ratio or target.</summary>
    public void Figure(string metric, string ours) => _rows.Add(new RatioRow(metric, ours, "", null, "", "(info)", null));

    /// <summary>A table of its own below the ratios, with an optional note under it.</summary>
    public void Section(string title, string[] headers, List<string[]> rows, string? note = null) =>
        _sections.Add(new ReportSection(title, headers, rows, note));

    /// <summary>What the table's ratios mean, printed above it and written into the Markdown.</summary>
    public string Heading { get; set; } = "";

    public void Print()
    {
        if (Heading.Length > 0)
            AnsiConsole.MarkupLine(Markup.Escape(Heading));
        var table = new Table().Title("BornAgain.ML performance (ours / peer on every row)");
        foreach (var header in RatioHeaders)
            table.AddColumn(header);
        foreach (var row in _rows)
        {
            string met = row.Met switch { true => "[green]yes[/]", false => "[red]no[/]", null => "" };
            table.AddRow(Markup.Escape(row.Metric), Markup.Escape(row.Ours), Markup.Escape(row.Peer),
                RatioText(row), row.Better, Markup.Escape(row.Target), met);
        }
        AnsiConsole.Write(table);
        foreach (var section in _sections)
        {
            var extra = new Table().Title(Markup.Escape(section.Title));
            foreach (var header in section.Headers)
                extra.AddColumn(Markup.Escape(header));
            foreach (var row in section.Rows)
                extra.AddRow(row.Select(Markup.Escape).ToArray());
            AnsiConsole.Write(extra);
            if (section.Note is not null)
                AnsiConsole.MarkupLine(Markup.Escape(section.Note));
        }
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
                ["ratio"] = row.Ratio is { } ratio ? Math.Round(ratio, 3) : null, ["better"] = row.Better,
                ["target"] = row.Target, ["met"] = row.Met,
            });
        }
        var sections = new JsonArray();
        foreach (var section in _sections)
        {
            sections.Add(new JsonObject
            {
                ["title"] = section.Title,
                ["headers"] = new JsonArray(section.Headers.Select(h => (JsonNode)h).ToArray()),
                ["rows"] = new JsonArray(section.Rows.Select(r => (JsonNode)new JsonArray(r.Select(c => (JsonNode)c).ToArray())).ToArray()),
                ["note"] = section.Note,
            });
        }
        var json = new JsonObject
        {
            ["heading"] = Heading, ["machine"] = _machine.DeepClone(), ["ratios"] = rows, ["sections"] = sections,
            ["phases"] = _phases.DeepClone(),
        };
        File.WriteAllText(Path.Combine(folder, "benchmark.json"), json.ToJsonString(PhaseRunner.Indented));
        File.WriteAllText(Path.Combine(folder, "benchmark.md"), Markdown());
    }

    public string Markdown()
    {
        var md = new StringBuilder();
        if (Heading.Length > 0)
        {
            md.AppendLine(Heading);
            md.AppendLine();
        }
        md.AppendLine("| " + string.Join(" | ", RatioHeaders) + " |");
        md.AppendLine("|" + string.Concat(RatioHeaders.Select(_ => "---|")));
        foreach (var row in _rows)
        {
            string met = row.Met switch { true => "yes", false => "**no**", null => "" };
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Metric} | {row.Ours} | {row.Peer} | {RatioText(row)} | {row.Better} | {row.Target} | {met} |");
        }
        md.AppendLine();
        foreach (var section in _sections)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"{section.Title}:");
            md.AppendLine();
            md.AppendLine("| " + string.Join(" | ", section.Headers) + " |");
            md.AppendLine("|" + string.Concat(section.Headers.Select(_ => "---|")));
            foreach (var row in section.Rows)
                md.AppendLine("| " + string.Join(" | ", row) + " |");
            md.AppendLine();
            if (section.Note is not null)
            {
                md.AppendLine(section.Note);
                md.AppendLine();
            }
        }
        md.AppendLine(MachineLine());
        return md.ToString();
    }

    private static readonly string[] RatioHeaders = ["Metric", "BornAgain.ML (ours)", "Peer", "Ours / peer", "Better", "Target", "Met"];

    private string MachineLine() => string.Join("; ", _machine.Select(p => $"{p.Key}: {p.Value}"));

    private static string RatioText(RatioRow row) =>
        row.Ratio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "";

    private static string Format(double value, string unit) => unit switch
    {
        "img/s" => value.ToString("0", CultureInfo.InvariantCulture) + " img/s",
        "ms" => value.ToString("0.00", CultureInfo.InvariantCulture) + " ms",
        "MB" => value.ToString("0", CultureInfo.InvariantCulture) + " MB",
        "s" => value.ToString("0.00", CultureInfo.InvariantCulture) + " s",
        "GFLOP/s" => value.ToString("0.0", CultureInfo.InvariantCulture) + " GFLOP/s",
        _ => value.ToString("0.###", CultureInfo.InvariantCulture) + unit,
    };
}
