using System.Diagnostics;
using System.Runtime.InteropServices;
using Spectre.Console;

namespace Microsoft.ML.BornAgain.Sample;

/// <summary>
/// The sample from start to end: every seed x network trained through the ML.NET pipeline with live progress, the
/// table printed and written with the rest of the report, then the saved model reloaded to predict test images.
/// </summary>
internal static class SampleRun
{
    /// <summary>The model of the first network and first seed; further networks' models are model-NAME.zip.</summary>
    public const string ModelFile = "model.zip";

    public static int Execute(SampleSettings settings)
    {
        try
        {
            return ExecuteOrThrow(settings);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
        {
            // Bad paths and bad files are the user's to fix: say which, without a stack trace.
            AnsiConsole.MarkupLine($"[red]Error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
    }

    private static int ExecuteOrThrow(SampleSettings settings)
    {
        var wallClock = Stopwatch.StartNew();
        // Spectre assumes 80 columns when the output is a file or a pipe; the table of several generations is wider.
        if (Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = 160;
        var dataset = SampleDataset.Load(settings.DataPath, settings.Kind);
        var columns = ScoreColumn.For(settings.Generations);
        AnsiConsole.MarkupLine($"[bold]Born-Again Networks[/] on {Markup.Escape(dataset.Description)}");
        AnsiConsole.MarkupLine(Markup.Escape(DescribeSettings(settings)));
        AnsiConsole.MarkupLine(Markup.Escape($"Machine: {DescribeMachine()}"));
        Directory.CreateDirectory(settings.OutputPath);

        var results = new List<NetworkRunResult>();
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var progress = new TrainingProgress(context);
                for (int run = 0; run < settings.Seeds; run++)
                {
                    for (int n = 0; n < settings.Networks.Count; n++)
                    {
                        // Under mpiexec every rank trains the same model (docs/distributed.md); rank 0 alone saves it.
                        string? modelPath = run == 0 && DataParallelTraining.Rank == 0 ? Path.Combine(settings.OutputPath, ModelFileOf(settings, n)) : null;
                        results.Add(NetworkRun.Run(settings, dataset, settings.Networks[n], settings.SeedOfRun(run), progress, modelPath));
                    }
                }
            });

        if (DataParallelTraining.Rank != 0)
            return 0; // rank 0 writes the report

        var table = ResultTable.Build(columns, results);
        string seeds = settings.Seeds == 1 ? $"seed {settings.Seed}" : $"mean ± sample SD over {settings.Seeds} seeds";
        AnsiConsole.Write(table.ToConsoleTable($"Test error (%) on {dataset.TestCount:N0} test images, {seeds}"));
        foreach (var ensemble in columns.Where(c => c.Generations.Length > 1))
            AnsiConsole.MarkupLine(Markup.Escape($"{ensemble.Name} = mean of the class probabilities of {ensemble.Members}."));

        string context = $"{dataset.Description}.\n\n{DescribeSettings(settings)}\n\nMachine: {DescribeMachine()}. " +
            $"Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. Wall time of the training and evaluation: {ResultTable.FormatTime(wallClock.Elapsed)}.";
        ReportWriter.Write(settings.OutputPath, table, results, context);
        AnsiConsole.MarkupLine(Markup.Escape($"Report written to {settings.OutputPath} ({ReportWriter.TableMarkdown}, " +
            $"{ReportWriter.TableCsv}, {ReportWriter.EpochsCsv}, {ReportWriter.Chart}, {ModelFile})."));

        PredictionDemo.Run(Path.Combine(settings.OutputPath, ModelFile), dataset, settings.PredictionCount);
        AnsiConsole.MarkupLine($"Total wall time: {ResultTable.FormatTime(wallClock.Elapsed)}.");
        return 0;
    }

    private static string ModelFileOf(SampleSettings settings, int network) =>
        network == 0 ? ModelFile : $"model-{settings.Networks[network]}.zip";

    private static string DescribeSettings(SampleSettings s) =>
        $"Networks: {string.Join(", ", s.Networks)}; teacher + {s.Generations} generations x {s.Epochs} epochs; " +
        $"loss {s.Loss}; batch {s.BatchSize}; SGD lr {s.LearningRate} ({s.Schedule}); seed {s.Seed}" +
        (s.Seeds > 1 ? $" (+ {SampleSettings.SeedStride} per run, {s.Seeds} runs)" : "") + $"; {s.Threads} TorchSharp threads.";

    private static string DescribeMachine()
    {
        string cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim() ?? cpu;
        }
        return $"{Environment.ProcessorCount} cores ({cpu}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
