using System.Globalization;
using System.Text.Json.Nodes;

namespace BornAgain.Benchmark;

/// <summary>
/// The report's table of where a training run's time goes: every generation of the augmented estimator run, from its
/// window's parts (Phases/EstimatorTrainingPhase.cs), next to the PyTorch teacher's whole run split the same way.
/// </summary>
internal static class TrainingBreakdown
{
    /// <summary>The parts in the order of a run, with what each holds.</summary>
    private static readonly (string Key, string Label)[] Parts =
    [
        ("pipelineBeforeTrainer", "ML.NET pipeline before the trainer (MapValueToKey, schemas)"),
        ("readImages", "Read, decode and resize the images into tensors (peer: PIL)"),
        ("decodeImages", "Read, decode and resize the images into tensors (peer: PIL)"),
        ("readValidation", "Read the validation set"),
        ("prepareData", "Normalization statistics and data checks"),
        ("setup", "Peer: normalization statistics, network, optimizer"),
        ("createNetwork", "Create the network"),
        ("teacherLogits", "Teacher logits for the training set (no augmentation)"),
        ("stepsAtMedian", "Training steps at the median step time"),
        ("warmupStepsAboveMedian", "Warm-up steps above the median (first steps)"),
        ("laterStepsAboveMedian", "Later steps above the median (noise, load)"),
        ("evaluate", "Validation after each epoch"),
        ("mallocTrim", "malloc_trim after each epoch"),
        ("checkpoint", "Checkpoint after each epoch"),
        ("other", "Other (callbacks, shuffles, transformer creation)"),
    ];

    public static void AddTo(BenchmarkReport report, JsonObject estimator, JsonObject pytorch)
    {
        var generations = new List<JsonObject>();
        for (int g = 0; estimator[$"gen{g}"] is JsonObject generation; g++)
            generations.Add(generation);
        var columns = generations.Select(g => g["parts"]!.AsObject()).Append(pytorch["parts"]?.AsObject() ?? []).ToList();
        var headers = new List<string> { "Part (seconds)" };
        headers.AddRange(generations.Select((_, g) => g == 0 ? "Teacher" : $"BAN-{g}"));
        headers.Add("PyTorch teacher");

        var rows = new List<string[]>();
        foreach (var label in Parts.Select(p => p.Label).Distinct())
        {
            var keys = Parts.Where(p => p.Label == label).Select(p => p.Key).ToList();
            var cells = columns.Select(c => keys.Select(k => c[k]).FirstOrDefault(v => v is not null)).ToList();
            if (cells.All(c => c is null))
                continue;
            rows.Add([label, .. cells.Select(c => c is JsonValue v ? Seconds(PhaseRunner.AsDouble(v)) : "")]);
        }
        string Cell(JsonObject o, string key, string format) =>
            o[key] is JsonValue v ? PhaseRunner.AsDouble(v).ToString(format, CultureInfo.InvariantCulture) : "";
        rows.Add(["Whole generation (seconds)", .. generations.Select(g => Cell(g, "wallSeconds", "0.00")), Cell(pytorch, "wholeSeconds", "0.00")]);
        rows.Add(["Images trained", .. generations.Select(g => Cell(g, "images", "0")), Cell(pytorch, "images", "0")]);
        rows.Add(["Whole generation (img/s)", .. generations.Select(g => Cell(g, "wholeImagesPerSecond", "0")), Cell(pytorch, "wholeImagesPerSecond", "0")]);
        rows.Add(["Median step (ms)", .. generations.Select(g => Cell(g, "medianStepMs", "0.0")), Cell(pytorch, "medianStepMs", "0.0")]);
        rows.Add(["First step (ms)", .. generations.Select(g => Cell(g, "firstStepMs", "0.0")), Cell(pytorch, "firstStepMs", "0.0")]);
        rows.Add(["Inside the steps: augmentation calls (seconds)", .. generations.Select(g => Cell(g, "augmentSeconds", "0.000")), ""]);
        rows.Add(["Inside the steps: median augmentation call (ms)", .. generations.Select(g => Cell(g, "medianAugmentMs", "0.00")), ""]);
        rows.Add(["Inside the steps: the teacher's forward passes (seconds)", .. generations.Select(g => Cell(g, "teacherForwardSeconds", "0.000")), ""]);
        rows.Add(["Inside the steps: median teacher forward pass (ms)", .. generations.Select(g => Cell(g, "medianTeacherForwardMs", "0.00")), ""]);
        rows.Add(["Inside the steps: forced gen-0 collections (seconds)", .. generations.Select(g => Cell(g, "collectSeconds", "0.000")), ""]);
        rows.Add(["Steps right after a forced collection, above the median (seconds)",
            .. generations.Select(g => Cell(g, "stepsAfterCollectionAboveMedianSeconds", "0.000")), ""]);
        rows.Add(["First steps of later epochs (after malloc_trim), above the median (seconds)",
            .. generations.Select(g => Cell(g, "firstStepsOfLaterEpochsAboveMedianSeconds", "0.000")), ""]);

        var gc = estimator["gcCollections"]?.AsArray().Select(v => PhaseRunner.AsDouble(v!.AsValue())).ToList() ?? [];
        string note = string.Create(CultureInfo.InvariantCulture,
            $"A generation's window runs from Fit (the teacher) or the previous generation's end to the next network's creation. " +
            $"Whole Fit {estimator.Number("fitSeconds"):0.00} s ({estimator.Number("fitUserSeconds"):0.0} s user, " +
            $"{estimator.Number("fitSystemSeconds"):0.0} s system CPU time, {estimator.Number("fitMinorFaults"):0} minor page faults; PyTorch " +
            $"{pytorch.Number("userSeconds"):0.0} s user, {pytorch.Number("systemSeconds"):0.0} s system, {pytorch.Number("minorFaults"):0} faults); GC pauses {estimator.Number("gcPauseSeconds"):0.000} s in " +
            $"{string.Join('/', gc)} gen-0/1/2 collections; LibTorch load before the clock {estimator.Number("libTorchLoadSeconds"):0.00} s " +
            $"(PyTorch's import {pytorch.Number("torchImportSeconds"):0.00} s, also before its clock); model save after Fit " +
            $"{estimator.Number("modelSaveSeconds"):0.00} s.");
        report.Section("Where the training run's time goes (estimator, augmented; PyTorch teacher run; the first training round)", headers.ToArray(), rows, note);
    }

    private static string Seconds(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
