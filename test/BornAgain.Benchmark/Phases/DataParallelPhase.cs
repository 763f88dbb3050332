using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.BornAgain;
using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.BornAgain.Training.Distributed;
using static TorchSharp.torch;

namespace BornAgain.Benchmark.Phases;

/// <summary>
/// Data-parallel training on one machine: one process with two threads against two MPI ranks (mpiexec) with one thread
/// each, on the same images, network and global batch; and the time of one allreduce against the parameter count.
/// </summary>
internal static class DataParallelPhase
{
    /// <summary>Networks whose parameter counts the allreduce is timed at.</summary>
    private static readonly string[] AllreduceNetworks = { "PreActResNet-8", "PreActResNet-20", "PreActResNet-56", "WRN-16-4", "WRN-28-10" };

    /// <summary>The orchestrating step: both variants, alternated (each twice in the full run), and their medians.</summary>
    public static JsonObject Compare(BenchmarkSettings settings)
    {
        if (!OnPath("mpiexec"))
            return new JsonObject { ["skipped"] = "no mpiexec on the PATH (Debian: apt-get install mpich)" };
        var single = new List<JsonObject>();
        var ranks = new List<JsonObject>();
        for (int round = 0; round < (settings.Quick ? 1 : 2); round++)
        {
            single.Add(PhaseRunner.RunPhase(settings, "data-parallel", "--threads", "2"));
            ranks.Add(PhaseRunner.RunPhaseAsRanks(settings, 2, "data-parallel", "--threads", "1"));
        }
        return new JsonObject
        {
            ["oneProcessTwoThreads"] = single[^1].DeepClone(),
            ["twoRanksOneThread"] = ranks[^1].DeepClone(),
            ["oneProcessImagesPerSecond"] = Statistics.Median(single.Select(r => r.Number("imagesPerSecond")).ToList()),
            ["twoRanksImagesPerSecond"] = Statistics.Median(ranks.Select(r => r.Number("imagesPerSecond")).ToList()),
            ["twoRanksAllreduceShare"] = Statistics.Median(ranks.Select(r => r.Number("allreduceShare")).ToList()),
            ["allreduce"] = ranks[^1]["allreduce"]!.DeepClone(),
        };
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, program)));

    /// <summary>One training run in this process (a rank when mpiexec started it): img/s over the timed epochs.</summary>
    public static JsonObject Run(BenchmarkSettings settings, int threads)
    {
        var group = DataParallelGroup.Join(dataParallel: null);
        set_num_threads(threads);
        var rows = CifarImages.Rows(settings.DataFolder, "train", settings.TrainImages);
        var (images, labels) = CifarImages.LoadTensors(new MLContext(seed: 1), rows);
        using var shard = group is null ? tensor(Enumerable.Range(0, rows.Count).Select(i => (long)i).ToArray())
            : tensor(Enumerable.Range(0, rows.Count).Where(i => DataParallelBatches.InShard(i, group.Rank, group.Size)).Select(i => (long)i).ToArray());
        using var train = new ImageTensorDataset(images.index_select(0, shard), labels.index_select(0, shard), 10);
        var epochs = new List<EpochMetrics>();
        var options = new BornAgainTrainer.Options
        {
            Architecture = NetworkArchitecture.PreActResNet(20),
            Generations = 0,
            EpochsPerGeneration = settings.Quick ? 2 : 3,
            BatchSize = settings.BatchSize,
            NumberOfThreads = threads,
            Seed = 1,
            EpochCompleted = epochs.Add,
        };
        var before = group?.BufferAllreduceTime ?? TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        using (BornAgainTraining.Train(train, null, options, continued: null, group))
            clock.Stop();
        // The first epoch warms up (allocations, kernels): the figures are the later epochs'.
        var timed = epochs.Skip(1).ToList();
        double seconds = timed.Sum(e => e.Duration.TotalSeconds);
        double allreduceSeconds = ((group?.BufferAllreduceTime ?? TimeSpan.Zero) - before).TotalSeconds;
        int imagesPerEpoch = rows.Count / settings.BatchSize * settings.BatchSize + (rows.Count % settings.BatchSize >= 2 ? rows.Count % settings.BatchSize : 0);
        var result = new JsonObject
        {
            ["rank"] = group?.Rank ?? 0,
            ["ranks"] = group?.Size ?? 1,
            ["threadsPerRank"] = threads,
            ["globalBatch"] = settings.BatchSize,
            ["images"] = rows.Count,
            ["imagesPerSecond"] = imagesPerEpoch * timed.Count / seconds,
            ["allreduceShare"] = allreduceSeconds / clock.Elapsed.TotalSeconds,
            ["parameters"] = options.Architecture.CountParameters(3, 10),
        };
        if (group is not null)
            result["allreduce"] = TimeAllreduce(group);
        return result;
    }

    /// <summary>Median milliseconds of one float allreduce of each network's parameter count (20 after 5 warm-up).</summary>
    private static JsonArray TimeAllreduce(DataParallelGroup group)
    {
        var rows = new JsonArray();
        foreach (var name in AllreduceNetworks)
        {
            long count = NetworkArchitecture.Parse(name).CountParameters(3, 10);
            var buffer = new float[count];
            var times = new List<double>();
            for (int i = 0; i < 25; i++)
            {
                long start = Stopwatch.GetTimestamp();
                group.Sum(buffer);
                if (i >= 5)
                    times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            rows.Add(new JsonObject { ["network"] = name, ["parameters"] = count, ["medianMs"] = Statistics.Median(times) });
        }
        return rows;
    }
}
