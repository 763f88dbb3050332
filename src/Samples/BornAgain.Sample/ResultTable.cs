using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Microsoft.ML.BornAgain.Sample;

/// <summary>
/// The paper-style table: a row per network, the test error (%) of the teacher, of every student and of the
/// student ensembles, the parameter count of one network and the training time. Over several seeds each error
/// cell is the mean ± the sample standard deviation (n - 1 in the denominator).
/// </summary>
internal sealed class ResultTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private ResultTable(IReadOnlyList<ScoreColumn> columns, IReadOnlyList<Row> rows)
    {
        Columns = columns;
        Rows = rows;
    }

    public IReadOnlyList<ScoreColumn> Columns { get; }

    public IReadOnlyList<Row> Rows { get; }

    /// <summary>One network over all seeds: test errors in percent per column.</summary>
    public sealed record Row(string Network, long ParameterCount, IReadOnlyList<Statistic> Errors, TimeSpan MeanTrainingTime);

    /// <summary>Mean and sample standard deviation (null for one seed) of a column's test error in percent.</summary>
    public sealed record Statistic(double Mean, double? StandardDeviation)
    {
        public override string ToString() => StandardDeviation is { } sd
            ? string.Create(Invariant, $"{Mean:F2} ± {sd:F2}")
            : Mean.ToString("F2", Invariant);
    }

    public static ResultTable Build(IReadOnlyList<ScoreColumn> columns, IEnumerable<NetworkRunResult> results)
    {
        var rows = results
            .GroupBy(r => r.Network.ToString())
            .Select(runs => new Row(
                runs.Key,
                runs.First().ParameterCount,
                columns.Select(c => Summarize(runs.Select(r => 100 * r.TestErrors[c.Name]).ToList())).ToList(),
                TimeSpan.FromTicks((long)runs.Average(r => r.TrainingTime.Ticks))))
            .ToList();
        return new ResultTable(columns, rows);
    }

    private static Statistic Summarize(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        if (values.Count < 2)
            return new Statistic(mean, null);
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return new Statistic(mean, Math.Sqrt(variance));
    }

    private IEnumerable<string> Headers =>
        new[] { "Network", "Params" }.Concat(Columns.Select(c => c.Name)).Append("Training time");

    private static IEnumerable<string> Cells(Row row) =>
        new[] { row.Network, FormatParameters(row.ParameterCount) }
            .Concat(row.Errors.Select(e => e.ToString()))
            .Append(FormatTime(row.MeanTrainingTime));

    /// <summary>The table for the console, errors right-aligned.</summary>
    public Table ToConsoleTable(string caption)
    {
        var table = new Table().Caption(Markup.Escape(caption));
        foreach (var header in Headers)
            table.AddColumn(new TableColumn(Markup.Escape(header)).RightAligned());
        table.Columns[0].LeftAligned();
        foreach (var row in Rows)
            table.AddRow(Cells(row).Select(Markup.Escape).ToArray());
        return table;
    }

    /// <summary>A GitHub Markdown table.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        var headers = Headers.ToList();
        text.AppendLine("| " + string.Join(" | ", headers) + " |");
        text.AppendLine("|" + string.Join("|", headers.Select((_, i) => i == 0 ? "---" : "---:")) + "|");
        foreach (var row in Rows)
            text.AppendLine("| " + string.Join(" | ", Cells(row)) + " |");
        return text.ToString();
    }

    /// <summary>CSV with separate mean and standard deviation columns (errors in percent, time in seconds).</summary>
    public string ToCsv()
    {
        var text = new StringBuilder();
        var header = new List<string> { "network", "parameters" };
        foreach (var column in Columns)
            header.AddRange([$"{column.Name}_error_mean", $"{column.Name}_error_sd"]);
        header.Add("training_seconds_mean");
        text.AppendLine(string.Join(",", header));
        foreach (var row in Rows)
        {
            var cells = new List<string> { row.Network, row.ParameterCount.ToString(Invariant) };
            foreach (var error in row.Errors)
                cells.AddRange([error.Mean.ToString("F2", Invariant), error.StandardDeviation?.ToString("F2", Invariant) ?? ""]);
            cells.Add(row.MeanTrainingTime.TotalSeconds.ToString("F1", Invariant));
            text.AppendLine(string.Join(",", cells));
        }
        return text.ToString();
    }

    /// <summary>Millions with two decimals, as the paper writes them (0.38M).</summary>
    public static string FormatParameters(long count) => string.Create(Invariant, $"{count / 1e6:F2}M");

    public static string FormatTime(TimeSpan time) =>
        time.TotalMinutes >= 1 ? $"{(int)time.TotalMinutes}m {time.Seconds:D2}s" : string.Create(Invariant, $"{time.TotalSeconds:F1}s");
}
