using System.Diagnostics;
using Spectre.Console;

namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>
/// Trains every (data set, seed, method) run that is not in the report folder yet, through the same ML.NET pipeline
/// as the sample, stores each result as soon as it finishes, then writes the tables and charts from all stored runs.
/// </summary>
internal static class StudyRunner
{
    /// <summary>Runs the study; returns how many runs were trained now (the rest came from the report folder).</summary>
    public static int Run(StudySettings settings)
    {
        foreach (var dataset in settings.Datasets)
            settings.Sources.CheckAvailable(dataset);
        // Spectre assumes 80 columns when the output is a file or a pipe; the study's lines and tables are wider.
        if (Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = 160;
        Directory.CreateDirectory(settings.OutputPath);
        var store = new StudyRunStore(settings.OutputPath, settings.Fingerprint);
        var methods = StudyMethod.For(settings.Generations);
        var wallClock = Stopwatch.StartNew();
        var results = new List<StudyRunResult>();
        var datasets = new Dictionary<StudyDataset, string>();
        int trained = 0, missing = 0;
        int total = settings.Datasets.Count * settings.Seeds * methods.Count;
        int position = 0;

        foreach (var datasetKind in settings.Datasets)
        {
            var dataset = settings.Sources.Load(datasetKind);
            if (settings.TrainingImages is { } limit)
                dataset = dataset.WithTrainingSubset(limit);
            datasets[datasetKind] = dataset.Description;
            AnsiConsole.MarkupLine($"[bold]{datasetKind}[/]: {Markup.Escape(dataset.Description)}");
            for (int s = 0; s < settings.Seeds; s++)
            {
                int seed = settings.SeedOfRun(s);
                foreach (var method in methods)
                {
                    position++;
                    string name = $"[{position}/{total}] {datasetKind} seed {seed} {method.Id}";
                    if (store.TryLoad(datasetKind, method, seed) is { } stored)
                    {
                        AnsiConsole.MarkupLine(Markup.Escape($"{name}: already in the report folder (finished {stored.FinishedUtc:yyyy-MM-dd HH:mm} UTC), skipped"));
                        results.Add(stored);
                        continue;
                    }

                    if (!settings.TrainsRun(position - 1))
                    {
                        missing++; // another shard's run, not finished yet
                        continue;
                    }
                    var result = TrainWithProgress(settings, dataset, datasetKind, method, seed, name);
                    store.Save(result, method);
                    results.Add(result);
                    trained++;
                    AnsiConsole.MarkupLine(Markup.Escape($"{name}: {Describe(result)} ({result.TrainingSeconds:F0} s)"));
                }
            }
        }

        if (missing > 0)
        {
            // Independent jobs (--shard) share the run store: the last one to finish sees every run and writes the report.
            AnsiConsole.MarkupLine(Markup.Escape($"Shard {settings.Shard!.Value.Index}/{settings.Shard.Value.Count}: {trained} runs trained now; " +
                $"{missing} runs of other shards are not finished yet, so no report is written. Run the study again (any shard, " +
                "or without --shard) once they are: it trains nothing and writes the report."));
            return trained;
        }

        var report = new StudyReport(settings, results, datasets, wallClock.Elapsed, trained);
        report.Write(settings.OutputPath);
        foreach (var table in report.ConsoleTables())
            AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"Study written to {settings.OutputPath} ({StudyReport.Markdown}, {StudyReport.Csv}, " +
            $"{StudyReport.RunsCsv}, chart-*.png); {trained} runs trained now, {results.Count - trained} reused."));
        return trained;
    }

    private static StudyRunResult TrainWithProgress(StudySettings settings, SampleDataset dataset, StudyDataset datasetKind,
        StudyMethod method, int seed, string name)
    {
        StudyRunResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context => result = Train(settings, dataset, datasetKind, method, seed, new TrainingProgress(context), name));
        return result!;
    }

    /// <summary>One run: the pipeline fitted on the training split, every row of the run scored on the test split.</summary>
    internal static StudyRunResult Train(StudySettings settings, SampleDataset dataset, StudyDataset datasetKind,
        StudyMethod method, int seed, TrainingProgress? progress, string name)
    {
        var ml = new MLContext(seed);
        var train = dataset.Train(ml);
        var test = dataset.Test(ml);
        var options = SamplePipeline.TrainerOptions(dataset, settings.Network, settings.BatchSize, settings.LearningRate, settings.Schedule,
            seed, settings.Threads);
        options.Generations = method.Students;
        options.EpochsPerGeneration = settings.Epochs * method.EpochMultiplier;
        options.Loss = method.Loss;
        options.Temperature = StudySettings.DistillationTemperature;
        options.TeacherLabelSmoothing = method.LabelSmoothing;
        options.Device = settings.Device;
        progress?.BeginRun(name, options);

        var pipeline = SamplePipeline.Upstream(ml, dataset).Append(ml.BornAgain().Train(options));
        var stopwatch = Stopwatch.StartNew();
        using var model = pipeline.Fit(train);
        stopwatch.Stop();
        var bornAgain = model.OfType<BornAgainTransformer>().Single();
        var errors = method.Rows().ToDictionary(r => r.Row, r => SamplePipeline.TestError(ml, model, bornAgain, r.Generations, test));
        return new StudyRunResult(datasetKind, method.Id, seed, settings.Fingerprint, errors, stopwatch.Elapsed.TotalSeconds, DateTime.UtcNow);
    }

    private static string Describe(StudyRunResult result) =>
        string.Join(", ", result.TestErrors.Select(e => $"{e.Key} {100 * e.Value:F2}%"));
}
