using System.Diagnostics;
using Spectre.Console;

namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>
/// Trains every (data set, seed, method) run that is not in the report folder yet, through the same ML.NET pipeline
/// as the sample, stores each result as soon as it finishes, then writes the tables and charts from all stored runs.
/// </summary>
internal static class StudyRunner
{
    /// <summary>
    /// Runs the study; returns how many runs (teachers included) were trained now, and how many of them were
    /// teachers (the rest came from the report folder).
    /// </summary>
    public static StudyRunCounts Run(StudySettings settings)
    {
        foreach (var dataset in settings.Datasets)
            settings.Sources.CheckAvailable(dataset);
        // Spectre assumes 80 columns when the output is a file or a pipe; the study's lines and tables are wider.
        if (Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = 160;
        Directory.CreateDirectory(settings.OutputPath);
        var store = new StudyRunStore(settings.OutputPath, settings.Fingerprint);
        var methods = StudyMethod.Select(settings.Generations, settings.Methods);
        var wallClock = Stopwatch.StartNew();
        var results = new List<StudyRunResult>();
        var datasets = new Dictionary<StudyDataset, string>();
int trained = 0, teachers = 0, missing = 0;
        int total = settings.Datasets.Count * settings.Seeds * (methods.Count + 1);
        int seedGroup = 0;
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
                // A seed's teacher and the runs that continue it stay in one shard: they share the teacher's model.
                bool ours = settings.TrainsSeedGroup(seedGroup++);
                foreach (var method in methods.Prepend(StudyMethod.Teacher))
                {
                    position++;
                    string name = $"[{position}/{total}] {datasetKind} seed {seed} {method.Id}";
                    string teacherModel = store.ModelPathOf(datasetKind, seed);
                    // A stored teacher whose model file is gone is trained again (same seed, same network) when a run needs it.
                    bool teacherNeeded = method == StudyMethod.Teacher && methods.Any(m => m.StartsFromTeacher) && !File.Exists(teacherModel);
                    if (!teacherNeeded && store.TryLoad(datasetKind, method, seed) is { } stored)
                    {
                        AnsiConsole.MarkupLine(Markup.Escape($"{name}: already in the report folder (finished {stored.FinishedUtc:yyyy-MM-dd HH:mm} UTC), skipped"));
                        results.Add(stored);
                        continue;
                    }
                    if (!ours)
                    {
                        missing++; // another shard's run, not finished yet
                        continue;
                    }

                    var result = TrainWithProgress(settings, dataset, datasetKind, method, seed, name, store);
                    if (method == StudyMethod.Teacher)
                        teachers++;
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
            return new StudyRunCounts(trained, teachers);
        }

        var report = new StudyReport(settings, results, datasets, wallClock.Elapsed, trained);
        report.Write(settings.OutputPath);
        foreach (var table in report.ConsoleTables())
            AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"Study written to {settings.OutputPath} ({StudyReport.Markdown}, {StudyReport.Csv}, " +
            $"{StudyReport.RunsCsv}, chart-*.png); {trained} runs trained now ({teachers} of them teachers), {results.Count - trained} reused."));
        return new StudyRunCounts(trained, teachers);
    }

    private static StudyRunResult TrainWithProgress(StudySettings settings, SampleDataset dataset, StudyDataset datasetKind,
        StudyMethod method, int seed, string name, StudyRunStore store)
    {
        StudyRunResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context => result = Train(settings, dataset, datasetKind, method, seed, new TrainingProgress(context), name, store));
        return result!;
    }

    /// <summary>
    /// One run: the pipeline fitted on the training split, every row of the run scored on the test split. The teacher
    /// run saves its model for the runs that continue it; a run that starts from the teacher continues that model, so
    /// only its students train. Every run checkpoints each epoch, so a study stopped mid-run resumes mid-run.
    /// </summary>
    internal static StudyRunResult Train(StudySettings settings, SampleDataset dataset, StudyDataset datasetKind,
        StudyMethod method, int seed, TrainingProgress? progress, string name, StudyRunStore store)
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
        options.TeacherInBFloat16 = method.TeacherInBFloat16;
        options.Device = settings.Device;
        options.CheckpointDirectory = store.CheckpointFolderOf(datasetKind, method, seed);
        string teacherModel = store.ModelPathOf(datasetKind, seed);
        if (method.StartsFromTeacher)
        {
            // The options' network is the settings' network, the teacher's too (the run store refuses other settings).
            options.ContinueFromModelPath = teacherModel;
        }
        progress?.BeginRun(name, options);
        var curve = new List<double>();
        if (method == StudyMethod.Teacher && settings.TeacherCurve)
        {
            // Scored after every epoch to show the learning curve; it neither stops training nor picks an epoch.
            // The test split through the training split's label mapping, so that its keys are the training keys.
            options.ValidationSet = SamplePipeline.Upstream(ml, dataset).Fit(train).Transform(test);
            var shown = options.EpochCompleted; // the progress display's, set by BeginRun
            options.EpochCompleted = m =>
            {
                curve.Add(m.ValidationAccuracy ?? double.NaN);
                shown?.Invoke(m);
            };
        }

        var pipeline = SamplePipeline.Upstream(ml, dataset).Append(ml.BornAgain().Train(options));
        var stopwatch = Stopwatch.StartNew();
        using var model = pipeline.Fit(train);
        stopwatch.Stop();
        var bornAgain = model.OfType<BornAgainTransformer>().Single();
        var errors = method.Rows().ToDictionary(r => r.Row, r => SamplePipeline.TestError(ml, model, bornAgain, r.Generations, test));
        if (method == StudyMethod.Teacher)
            store.SaveModel(ml, model, train.Schema, datasetKind, seed);
        store.DeleteCheckpoint(datasetKind, method, seed);
        return new StudyRunResult(datasetKind, method.Id, seed, settings.Fingerprint, errors, stopwatch.Elapsed.TotalSeconds, DateTime.UtcNow,
            curve.Count > 0 ? curve : null);
    }

    private static string Describe(StudyRunResult result) =>
        string.Join(", ", result.TestErrors.Select(e => $"{e.Key} {100 * e.Value:F2}%"));
}
