using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.BornAgain;

namespace BornAgain.Benchmark.Phases;

/// <summary>
/// Trains through the ML.NET estimator (<c>mlContext.BornAgain().Train</c>) from image paths, and reads the steady
/// state of every generation from the BatchCompleted timestamps: the first batches of each generation (warm-up,
/// network creation, the cached teacher outputs) and the data loading before them are left out.
/// </summary>
internal static class EstimatorTrainingPhase
{
    private sealed record BatchMark(int Generation, int Epoch, int Batch, int BatchesPerEpoch, long Timestamp, long AllocatedBytes);

    public static JsonObject Run(BenchmarkSettings settings, bool augment, int generations, string? savePath)
    {
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

        int gcBefore = GC.CollectionCount(0);
        var fitStart = Stopwatch.GetTimestamp();
        var model = pipeline.Fit(data);
        double fitSeconds = Stopwatch.GetElapsedTime(fitStart).TotalSeconds;
        var result = new JsonObject
        {
            ["augment"] = augment,
            ["generations"] = generations + 1,
            ["fitSeconds"] = fitSeconds,
            ["firstBatchAfterSeconds"] = (marks[0].Timestamp - fitStart) / (double)Stopwatch.Frequency,
            ["gen0Collections"] = GC.CollectionCount(0) - gcBefore,
            ["rssAfterEpochMB"] = rssAfterEpoch,
            ["peakRssAtFirstBatchMB"] = Math.Round(peakBeforeTraining, 1),
            ["peakRssAfterEpochMB"] = peakAfterEpoch,
            ["peakRssMB"] = ProcessMemory.PeakMB,
        };
        for (int g = 0; g <= generations; g++)
        {
            var mine = marks.Where(m => m.Generation == g).ToList();
            var (imagesPerSecond, allocatedPerStep) = SteadyState(mine, settings, rows.Count);
            result[$"gen{g}MeanImagesPerSecond"] = imagesPerSecond;
            result[$"gen{g}ImagesPerSecond"] = MedianImagesPerSecond(mine, settings, rows.Count);
            result[$"gen{g}ManagedBytesPerStep"] = allocatedPerStep;
            if (g > 0)
            {
                // Between the previous generation's last batch and this one's first: network creation, the cached
                // teacher outputs when augmentation is off, and the first step.
                var previousLast = marks.Last(m => m.Generation == g - 1);
                result[$"gen{g}StartSeconds"] = (mine[0].Timestamp - previousLast.Timestamp) / (double)Stopwatch.Frequency;
            }
        }
        if (savePath is not null)
            ml.Model.Save(model, data.Schema, savePath);
        (model as IDisposable)?.Dispose();
        return result;
    }

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
