using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.BornAgain;
using Microsoft.ML.BornAgain.Training;

namespace BornAgain.Benchmark.Phases;

/// <summary>
/// Trains through the ML.NET estimator (<c>mlContext.BornAgain().Train</c>) from image paths and measures every
/// generation two ways: the whole run a user waits for (from <c>Fit</c> to the generation's end: decoding, network
/// creation, warm-up, collections and epoch ends included) and the steady state (batch size / median step time from
/// the BatchCompleted timestamps). The library's training spans (<see cref="TrainingActivities"/>) say where the
/// difference goes.
/// </summary>
internal static class EstimatorTrainingPhase
{
    private sealed record BatchMark(int Generation, int Epoch, int Batch, int BatchesPerEpoch, long Timestamp, long AllocatedBytes);

    /// <summary>Spans between the training steps (the others, Augment and Collect, run inside a step).</summary>
    private static readonly string[] TopLevelSpans =
    [
        TrainingActivities.ReadImages, TrainingActivities.ReadValidation,
        TrainingActivities.PrepareData, TrainingActivities.CreateNetwork, TrainingActivities.TeacherLogits,
        TrainingActivities.Evaluate, TrainingActivities.MallocTrim, TrainingActivities.Checkpoint,
    ];

    public static JsonObject Run(BenchmarkSettings settings, bool augment, int generations, string? savePath, bool teacherInBFloat16 = false)
    {
        // LibTorch's native libraries load before the clock starts, as the PyTorch peer imports torch before its clock.
        long loadStart = Stopwatch.GetTimestamp();
        TorchSharp.torch.get_num_threads();
        double libTorchLoadSeconds = Stopwatch.GetElapsedTime(loadStart).TotalSeconds;

        var ml = new MLContext(seed: 1);
        var rows = CifarImages.Rows(settings.DataFolder, "train", settings.TrainImages);
        var data = ml.Data.LoadFromEnumerable(rows);
        var marks = new List<BatchMark>();
        var rssAfterEpoch = new JsonArray();
        var peakAfterEpoch = new JsonArray();
        double peakBeforeTraining = double.NaN;
        var options = new BornAgainTrainer.Options
        {
            LabelColumnName = "Label",
            ImageColumnName = "Image",
            Architecture = NetworkArchitecture.PreActResNet(20),
            Generations = generations,
            EpochsPerGeneration = settings.EpochsPerGeneration,
            BatchSize = settings.BatchSize,
            NumberOfThreads = settings.Threads,
            Seed = 1,
            RandomCropPadding = augment ? 4 : 0,
            HorizontalFlip = augment,
            TeacherInBFloat16 = teacherInBFloat16,
            BatchCompleted = p =>
            {
                if (marks.Count == 0)
                    peakBeforeTraining = ProcessMemory.PeakMB; // data loading and the first step
                marks.Add(new BatchMark(p.Generation, p.Epoch, p.Batch, p.BatchesPerEpoch, Stopwatch.GetTimestamp(), GC.GetTotalAllocatedBytes()));
            },
            EpochCompleted = _ =>
            {
                rssAfterEpoch.Add(Math.Round(ProcessMemory.CurrentMB, 1));
                peakAfterEpoch.Add(Math.Round(ProcessMemory.PeakMB, 1));
            },
        };
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImagePathRow.ImagePath)))
            .Append(ml.Transforms.ResizeImages("Image", CifarImages.Size, CifarImages.Size))
            .Append(ml.BornAgain().Train(options));

        int[] collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var pauseBefore = GC.GetTotalPauseDuration();
        using var timeline = new TrainingTimeline();
        var countersBefore = ProcessCounters.Now();
        long fitStart = Stopwatch.GetTimestamp();
        var model = pipeline.Fit(data);
        long fitEnd = Stopwatch.GetTimestamp();
        var counters = ProcessCounters.Now() - countersBefore;
        var spans = timeline.Spans;
        var result = new JsonObject
        {
            ["augment"] = augment,
            ["generations"] = generations + 1,
            ["images"] = rows.Count,
            ["epochsPerGeneration"] = settings.EpochsPerGeneration,
            ["libTorchLoadSeconds"] = libTorchLoadSeconds,
            ["fitSeconds"] = Seconds(fitEnd - fitStart),
            ["firstBatchAfterSeconds"] = Seconds(marks[0].Timestamp - fitStart),
            ["gcCollections"] = new JsonArray(
                GC.CollectionCount(0) - collectionsBefore[0], GC.CollectionCount(1) - collectionsBefore[1], GC.CollectionCount(2) - collectionsBefore[2]),
            ["gcPauseSeconds"] = (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds,
            ["fitUserSeconds"] = counters.UserSeconds,
            ["fitSystemSeconds"] = counters.SystemSeconds,
            ["fitMinorFaults"] = counters.MinorFaults,
            ["rssAfterEpochMB"] = rssAfterEpoch,
            ["peakRssAtFirstBatchMB"] = Math.Round(peakBeforeTraining, 1),
            ["peakRssAfterEpochMB"] = peakAfterEpoch,
        };

        // A generation's window: from Fit (the teacher) or the previous generation's end to the next generation's
        // network creation (or the end of Fit), so each window holds its own epoch ends.
        var creations = spans.Where(s => s.Name == TrainingActivities.CreateNetwork).ToList();
        long windowStart = fitStart;
        for (int g = 0; g <= generations; g++)
        {
            long windowEnd = g + 1 < creations.Count ? creations[g + 1].Start : fitEnd;
            var mine = marks.Where(m => m.Generation == g).ToList();
            var inWindow = spans.Where(s => s.Start >= windowStart && s.Start < windowEnd).ToList();
            var (imagesPerSecond, allocatedPerStep) = SteadyState(mine, settings, rows.Count);
            var generation = Generation(mine, inWindow, windowStart, windowEnd, g == 0 ? fitStart : null, settings, rows.Count);
            result[$"gen{g}MeanImagesPerSecond"] = imagesPerSecond;
            result[$"gen{g}ImagesPerSecond"] = MedianImagesPerSecond(mine, settings, rows.Count);
            result[$"gen{g}WholeImagesPerSecond"] = generation["wholeImagesPerSecond"]!.DeepClone();
            result[$"gen{g}ManagedBytesPerStep"] = allocatedPerStep;
            result[$"gen{g}"] = generation;
            if (g > 0)
            {
                // Between the previous generation's last batch and this one's first: the previous epoch's end, network
                // creation, the cached teacher outputs when augmentation is off, and the first step.
                var previousLast = marks.Last(m => m.Generation == g - 1);
                result[$"gen{g}StartSeconds"] = Seconds(mine[0].Timestamp - previousLast.Timestamp);
            }
            windowStart = windowEnd;
        }
        if (savePath is not null)
        {
            long saveStart = Stopwatch.GetTimestamp();
            ml.Model.Save(model, data.Schema, savePath);
            result["modelSaveSeconds"] = Stopwatch.GetElapsedTime(saveStart).TotalSeconds;
        }
        (model as IDisposable)?.Dispose();
        result["peakRssMB"] = ProcessMemory.PeakMB;
        return result;
    }

    /// <summary>
    /// One generation's window split into its parts: the spans between steps, the steps at the median step time, the
    /// time the steps took above the median (the warm-up steps apart), the augmentation and collections inside the
    /// steps, and the rest.
    /// </summary>
    private static JsonObject Generation(List<BatchMark> marks, List<TrainingTimeline.Span> spans, long windowStart, long windowEnd,
        long? fitStart, BenchmarkSettings settings, int trainCount)
    {
        var between = spans.Where(s => TopLevelSpans.Contains(s.Name)).ToList();
        var steps = new List<double>();
        for (int i = 0; i < marks.Count; i++)
        {
            long from = i == 0
                ? Math.Max(windowStart, between.Where(s => s.End <= marks[0].Timestamp).Select(s => s.End).DefaultIfEmpty(windowStart).Max())
                : marks[i - 1].Timestamp;
            // An epoch end (evaluation, trim, checkpoint) between two steps belongs to its span, not to the step.
            double inside = between.Where(s => s.Start >= from && s.End <= marks[i].Timestamp).Sum(s => s.Seconds);
            steps.Add(Seconds(marks[i].Timestamp - from) - inside);
        }
        double median = Statistics.Median(steps);
        // Which steps follow a forced collection or an epoch end: memory the collection or malloc_trim handed back
        // is faulted in again by the next step, which then shows above the median.
        var collectEnds = spans.Where(s => s.Name == TrainingActivities.Collect).Select(s => s.End).ToList();
        double afterCollect = 0, afterEpochEnd = 0;
        for (int i = 1; i < marks.Count; i++)
        {
            long from = i == 1 ? windowStart : marks[i - 2].Timestamp;
            if (collectEnds.Any(e => e > from && e <= marks[i - 1].Timestamp))
                afterCollect += steps[i] - median;
            if (marks[i].Epoch != marks[i - 1].Epoch)
                afterEpochEnd += steps[i] - median;
        }
        int warmup = Math.Min(settings.WarmupBatches, steps.Count);
        double warmupExcess = steps.Take(warmup).Sum(s => s - median);
        double otherExcess = steps.Skip(warmup).Sum(s => s - median);
        double wall = Seconds(windowEnd - windowStart);
        long images = marks.Sum(m => (long)Math.Min(settings.BatchSize, trainCount - (m.Batch - 1) * settings.BatchSize));

        var parts = new JsonObject();
        double accounted = 0;
        void Part(string name, double seconds)
        {
            parts[name] = Math.Round(seconds, 3);
            accounted += seconds;
        }

        if (fitStart is { } start)
        {
            var firstRead = between.FirstOrDefault(s => s.Name == TrainingActivities.ReadImages);
            Part("pipelineBeforeTrainer", firstRead is null ? 0 : Seconds(firstRead.Start - start));
        }
        foreach (var name in TopLevelSpans)
        {
            double seconds = between.Where(s => s.Name == name).Sum(s => s.Seconds);
            if (seconds > 0)
                Part(Camel(name), seconds);
        }
        Part("stepsAtMedian", median * steps.Count);
        Part("warmupStepsAboveMedian", warmupExcess);
        Part("laterStepsAboveMedian", otherExcess);
        parts["other"] = Math.Round(wall - accounted, 3);

        var augment = spans.Where(s => s.Name == TrainingActivities.Augment).Select(s => s.Seconds).ToList();
        var collect = spans.Where(s => s.Name == TrainingActivities.Collect).Select(s => s.Seconds).ToList();
        var teacherForward = spans.Where(s => s.Name == TrainingActivities.TeacherForward).Select(s => s.Seconds).ToList();
        return new JsonObject
        {
            ["wallSeconds"] = wall,
            ["images"] = images,
            ["wholeImagesPerSecond"] = images / wall,
            ["steps"] = steps.Count,
            ["medianStepMs"] = median * 1000,
            ["firstStepMs"] = steps.Count > 0 ? steps[0] * 1000 : double.NaN,
            ["stepMs"] = new JsonArray(steps.Select(s => (JsonNode)Math.Round(s * 1000, 1)).ToArray()),
            ["parts"] = parts,
            // Inside the steps (already counted in them): the augmentation call, a student's teacher forward pass and the forced gen-0 collections.
            ["augmentSeconds"] = augment.Sum(),
            ["medianAugmentMs"] = augment.Count > 0 ? Statistics.Median(augment) * 1000 : double.NaN,
            ["teacherForwardSeconds"] = teacherForward.Sum(),
            // Absent for the teacher and for cached teacher outputs: JSON has no NaN.
            ["medianTeacherForwardMs"] = teacherForward.Count > 0 ? Statistics.Median(teacherForward) * 1000 : null,
            ["collectSeconds"] = collect.Sum(),
            ["collections"] = collect.Count,
            // Parts of the steps above the median (they overlap where a step follows both).
            ["stepsAfterCollectionAboveMedianSeconds"] = afterCollect,
            ["firstStepsOfLaterEpochsAboveMedianSeconds"] = afterEpochEnd,
        };
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    /// <summary>
    /// Batch size / median time of a full batch after the warm-up: robust to the other processes of a shared machine
    /// (the mean, over the whole steady state, is reported next to it).
    /// </summary>
    private static double MedianImagesPerSecond(List<BatchMark> marks, BenchmarkSettings settings, int trainCount)
    {
        var seconds = new List<double>();
        for (int i = Math.Max(1, settings.WarmupBatches + 1); i < marks.Count; i++)
        {
            if (marks[i].Batch * settings.BatchSize <= trainCount && marks[i].Epoch == marks[i - 1].Epoch)
                seconds.Add((marks[i].Timestamp - marks[i - 1].Timestamp) / (double)Stopwatch.Frequency);
        }
        return settings.BatchSize / Statistics.Median(seconds);
    }

    /// <summary>Images per second and managed bytes allocated per step after the warm-up batches.</summary>
    private static (double ImagesPerSecond, double AllocatedPerStep) SteadyState(List<BatchMark> marks, BenchmarkSettings settings, int trainCount)
    {
        var first = marks[Math.Min(settings.WarmupBatches, marks.Count - 2)];
        var last = marks[^1];
        long images = 0;
        foreach (var mark in marks.SkipWhile(m => m != first).Skip(1))
            images += Math.Min(settings.BatchSize, trainCount - (mark.Batch - 1) * settings.BatchSize);
        double seconds = (last.Timestamp - first.Timestamp) / (double)Stopwatch.Frequency;
        int steps = marks.Count - 1 - marks.IndexOf(first);
        return (images / seconds, (last.AllocatedBytes - first.AllocatedBytes) / (double)steps);
    }
}
