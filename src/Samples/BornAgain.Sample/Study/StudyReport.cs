using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>One row of a data set's table: the per-seed errors and the statistics over them.</summary>
/// <param name="Name">The row (method) name.</param>
/// <param name="TrainingEpochs">Epochs of one network's training it took, teacher included.</param>
/// <param name="Errors">Test error (in [0, 1]) per seed.</param>
/// <param name="Summary">Mean ± sample SD over the seeds.</param>
/// <param name="VersusTeacher">Paired difference to the label-trained teacher of the same seed.</param>
/// <param name="VersusControl">Paired difference to the compute-matched control of the same seed.</param>
internal sealed record StudyRow(string Name, int TrainingEpochs, IReadOnlyDictionary<int, double> Errors, SeedSummary Summary,
    PairedDifference VersusTeacher, PairedDifference VersusControl);

/// <summary>
/// The study's report, from every stored run: per data set a table of test error mean ± SD and the paired
/// differences to the teacher and to the compute-matched control with 95% confidence intervals; written as
/// <c>study.md</c>, <c>study.csv</c>, <c>runs.csv</c> (every run's raw numbers) and one chart per data set.
/// </summary>
internal sealed class StudyReport
{
    public const string Markdown = "study.md";
    public const string Csv = "study.csv";
    public const string RunsCsv = "runs.csv";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private readonly StudySettings _settings;
    private readonly IReadOnlyList<StudyRunResult> _runs;
    private readonly IReadOnlyDictionary<StudyDataset, string> _descriptions;
    private readonly TimeSpan _wallTime;
    private readonly int _trainedNow;

    public StudyReport(StudySettings settings, IReadOnlyList<StudyRunResult> runs, IReadOnlyDictionary<StudyDataset, string> descriptions,
        TimeSpan wallTime, int trainedNow)
    {
        _settings = settings;
        _runs = runs;
        _descriptions = descriptions;
        _wallTime = wallTime;
        _trainedNow = trainedNow;
    }

    /// <summary>The rows of one data set's table, in reading order.</summary>
    public IReadOnlyList<StudyRow> Rows(StudyDataset dataset)
    {
        var runs = _runs.Where(r => r.Dataset == dataset).ToList();
        Dictionary<int, double> ErrorsOf(string row) => runs
            .Where(r => r.TestErrors.ContainsKey(row))
            .ToDictionary(r => r.Seed, r => r.TestErrors[row]);
        int k = _settings.Generations;
        var teacher = ErrorsOf(StudyRows.Teacher);
        var control = ErrorsOf(StudyRows.Control(k + 1));
        // Rows of methods this study did not run (--methods) are left out rather than shown empty.
        return StudyRows.Ordered(k).Select(row => (Row: row, Errors: ErrorsOf(row))).Where(r => r.Errors.Count > 0).Select(r =>
            new StudyRow(r.Row, StudyRows.TrainingEpochs(r.Row, k, _settings.Epochs), r.Errors,
                StudyStatistics.Summarize(r.Errors.Values), StudyStatistics.Paired(r.Errors, teacher), StudyStatistics.Paired(r.Errors, control)))
            .ToList();
    }

    /// <summary>
    /// How many ablation runs' teachers gave exactly the chain teacher's test error for their seed, and how many
    /// were compared: every run trains its teacher from the same seed, so anything but all of them is a bug.
    /// </summary>
    public (int Matching, int Compared) TeacherReproducibility(StudyDataset dataset)
    {
        var chain = _runs.Where(r => r.Dataset == dataset && r.TestErrors.ContainsKey(StudyRows.Teacher))
            .ToDictionary(r => r.Seed, r => r.TestErrors[StudyRows.Teacher]);
        var checks = _runs.Where(r => r.Dataset == dataset && r.TestErrors.ContainsKey(StudyRows.AblationTeacher) && chain.ContainsKey(r.Seed))
            .Select(r => r.TestErrors[StudyRows.AblationTeacher] == chain[r.Seed]).ToList();
        return (checks.Count(match => match), checks.Count);
    }

    public void Write(string folder)
    {
        File.WriteAllText(Path.Combine(folder, Markdown), ToMarkdown());
        File.WriteAllText(Path.Combine(folder, Csv), ToCsv());
        File.WriteAllText(Path.Combine(folder, RunsCsv), ToRunsCsv());
        foreach (var dataset in _settings.Datasets)
            StudyChart.Save(dataset, Rows(dataset), _settings, Path.Combine(folder, ChartFile(dataset)));
    }

    public static string ChartFile(StudyDataset dataset) => $"chart-{dataset}.png";

    public string ToMarkdown()
    {
        var s = _settings;
        var text = new StringBuilder()
            .AppendLine("# Born-Again Networks study: test error (%)")
            .AppendLine()
            .AppendLine($"Network {s.Network} for every run; teacher + {s.Generations} generations x {s.Epochs} epochs; batch {s.BatchSize}; " +
                $"SGD Nesterov lr {s.LearningRate.ToString(Invariant)} ({s.Schedule}), weight decay 5e-4, 4-pixel random crop " +
                $"(+ horizontal flip except on MNIST-style data); {s.Seeds} seeds ({string.Join(", ", Enumerable.Range(0, s.Seeds).Select(s.SeedOfRun))}); " +
                $"{s.Threads} TorchSharp threads on {s.Device}; preset {s.Preset}.")
            .AppendLine()
            .AppendLine("Error = 1 − micro accuracy on the whole test split. Mean ± sample SD (n − 1) over the seeds. " +
                "Δ = the row's error minus the teacher's (or the control's) of the same seed, in percentage points, mean and " +
                "95% Student-t confidence interval over the seeds; **bold** when the interval excludes 0. Training epochs = " +
                "epochs of one network spent to get the row, teacher included. The control is one network trained from the labels " +
                $"for (k + 1) x {s.Epochs} epochs, the compute of BAN-{s.Generations}. Ens*j averages the probabilities of BAN-1..BAN-j.")
            .AppendLine();
        foreach (var dataset in s.Datasets)
        {
            text.AppendLine($"## {dataset}").AppendLine()
                .AppendLine(_descriptions.TryGetValue(dataset, out var description) ? description + "." : "").AppendLine()
                .AppendLine("| Method | Training epochs | Test error % | Δ vs teacher [95% CI] | Δ vs control [95% CI] | Seeds |")
                .AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var row in Rows(dataset))
            {
                text.AppendLine($"| {row.Name} | {row.TrainingEpochs} | {FormatSummary(row.Summary)} | " +
                    $"{(row.Name == StudyRows.Teacher ? "" : FormatDifference(row.VersusTeacher, bold: true))} | " +
                    $"{(row.Name == StudyRows.Control(s.Generations + 1) ? "" : FormatDifference(row.VersusControl, bold: true))} | {row.Summary.Count} |");
            }
            var (matching, compared) = TeacherReproducibility(dataset);
            text.AppendLine()
                .AppendLine($"The teacher of a seed is trained once; every run that starts from it continues its saved model. In {matching} " +
                    $"of {compared} such runs the continued copy's test error equals the teacher's exactly.")
                .AppendLine();
            StudyConvergence.AppendMarkdown(text, _runs.Where(r => r.Dataset == dataset && r.Method == StudyMethod.Teacher.Id).ToList());
            text.AppendLine()
                .AppendLine($"![Test error by generation, {dataset}]({ChartFile(dataset)})")
                .AppendLine();
        }
        StudyConvergence.AppendEstimate(text, _settings, _runs);
        string cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";
        double storedSeconds = _runs.Sum(r => r.TrainingSeconds);
        text.AppendLine($"Machine: {Environment.ProcessorCount} cores ({cpu}), .NET {Environment.Version}. Written {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. " +
            $"{_runs.Count} runs, {_trainedNow} trained by the last invocation (wall time {_wallTime:h\\:mm\\:ss}); the runs' training " +
            $"time adds up to {TimeSpan.FromSeconds(storedSeconds):h\\:mm\\:ss} (first run finished " +
            $"{_runs.Select(r => r.FinishedUtc).DefaultIfEmpty().Min():yyyy-MM-dd HH:mm}, last {_runs.Select(r => r.FinishedUtc).DefaultIfEmpty().Max():yyyy-MM-dd HH:mm} UTC).");
        return text.ToString();
    }

    public string ToCsv()
    {
        var text = new StringBuilder("dataset,method,training_epochs,seeds,mean_error,sd_error,diff_vs_teacher,diff_vs_teacher_ci_low,diff_vs_teacher_ci_high," +
            "diff_vs_control,diff_vs_control_ci_low,diff_vs_control_ci_high\n");
        foreach (var dataset in _settings.Datasets)
        {
            foreach (var row in Rows(dataset))
            {
                text.AppendLine(string.Join(",", dataset, Quote(row.Name), row.TrainingEpochs.ToString(Invariant), row.Summary.Count.ToString(Invariant),
                    Number(row.Summary.Mean), Number(row.Summary.StandardDeviation),
                    Number(row.VersusTeacher.Mean), Number(row.VersusTeacher.Lower), Number(row.VersusTeacher.Upper),
                    Number(row.VersusControl.Mean), Number(row.VersusControl.Lower), Number(row.VersusControl.Upper)));
            }
        }
        return text.ToString();
    }

    public string ToRunsCsv()
    {
        var text = new StringBuilder("dataset,method,seed,row,test_error,training_seconds,finished_utc\n");
        foreach (var run in _runs.OrderBy(r => r.Dataset).ThenBy(r => r.Seed).ThenBy(r => r.Method, StringComparer.Ordinal))
        {
            foreach (var (row, error) in run.TestErrors)
            {
                text.AppendLine(string.Join(",", run.Dataset, run.Method, run.Seed.ToString(Invariant), Quote(row), Number(error),
                    run.TrainingSeconds.ToString("F1", Invariant), run.FinishedUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", Invariant)));
            }
        }
        return text.ToString();
    }

    public IEnumerable<Table> ConsoleTables()
    {
        foreach (var dataset in _settings.Datasets)
        {
            var table = new Table { Title = new TableTitle($"{dataset}: test error (%), {_settings.Seeds} seeds") };
            table.AddColumns("Method", "Epochs", "Test error %", Markup.Escape("Δ vs teacher [95% CI]"), Markup.Escape("Δ vs control [95% CI]"));
            foreach (var column in table.Columns.Skip(1))
                column.RightAligned();
            foreach (var row in Rows(dataset))
            {
                table.AddRow(Markup.Escape(row.Name), row.TrainingEpochs.ToString(Invariant), Markup.Escape(FormatSummary(row.Summary)),
                    Markup.Escape(row.Name == StudyRows.Teacher ? "" : FormatDifference(row.VersusTeacher, bold: false)),
                    Markup.Escape(row.Name == StudyRows.Control(_settings.Generations + 1) ? "" : FormatDifference(row.VersusControl, bold: false)));
            }
            yield return table;
        }
    }

    /// <summary>"12.34 ± 0.56" in percent; "n/a" without data, no ± for a single seed.</summary>
    internal static string FormatSummary(SeedSummary summary) => summary.Count switch
    {
        0 => "n/a",
        1 => (100 * summary.Mean).ToString("F2", Invariant),
        _ => $"{(100 * summary.Mean).ToString("F2", Invariant)} ± {(100 * summary.StandardDeviation).ToString("F2", Invariant)}",
    };

    /// <summary>"−0.85 [−1.40, −0.30]" in percentage points, in bold (Markdown) when the interval excludes zero.</summary>
    internal static string FormatDifference(PairedDifference difference, bool bold)
    {
        if (difference.Count == 0)
            return "n/a";
        string mean = Points(difference.Mean);
        if (difference.Count < 2)
            return mean;
        string text = $"{mean} [{Points(difference.Lower)}, {Points(difference.Upper)}]";
        return bold && (difference.IsBelowZero || difference.IsAboveZero) ? $"**{text}**" : text;
    }

    private static string Points(double fraction) => (100 * fraction).ToString("+0.00;−0.00;0.00", Invariant);

    private static string Number(double value) => double.IsNaN(value) ? "" : value.ToString("R", Invariant);

    private static string Quote(string text) => text.Contains(',') ? $"\"{text}\"" : text;
}
