using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.BornAgain.Training.Distributed;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.ChildProcess;

/// <summary>
/// What one rank of the data-parallel tests does (mpiexec starts several of these processes): the averaged gradient
/// against the whole batch's, and a short training through the ML.NET pipeline.
/// </summary>
public static class DataParallelRuns
{
    public sealed class Row
    {
        public string ImagePath { get; set; } = "";

        public string Label { get; set; } = "";
    }

    private sealed class PixelRow
    {
        public float[] Pixels { get; set; } = Array.Empty<float>();

        public uint Label { get; set; }
    }

    /// <summary>
    /// Every rank computes the gradient of the whole batch (all <paramref name="images"/>) itself, then the gradient of
    /// its shard averaged over the ranks by the training's <see cref="GradientAverager"/>; prints both side by side as
    /// JSON. The network is in evaluation mode, so batch normalization uses fixed statistics and each image's loss does
    /// not depend on the rest of the batch: the two must agree up to float rounding.
    /// </summary>
    public static void Gradient(IReadOnlyList<string> images)
    {
        var group = DataParallelGroup.Join(dataParallel: true) ?? throw new InvalidOperationException("Start this mode with mpiexec -n 2 or more.");
        var (pixels, labels, classes) = Load(images);
        set_num_threads(1);
        manual_seed(3);
        using var network = NetworkArchitecture.PreActResNet(8).CreateNetwork(3, classes);
        network.eval();
        var parameters = network.parameters().ToArray();

        network.zero_grad();
        using (var scope = NewDisposeScope())
        {
            var whole = nn.functional.cross_entropy(network.call(pixels), labels);
            whole.backward();
        }
        var expected = parameters.Select(p => p.grad!.detach().clone()).ToList();

        int count = (int)pixels.shape[0];
        var shard = Enumerable.Range(0, count).Where(i => DataParallelBatches.InShard(i, group.Rank, group.Size)).Select(i => (long)i).ToArray();
        network.zero_grad();
        double localLoss;
        using (var scope = NewDisposeScope())
        {
            var index = tensor(shard);
            var loss = nn.functional.cross_entropy(network.call(pixels.index_select(0, index)), labels.index_select(0, index));
            loss.backward();
            localLoss = loss.item<float>();
        }
        using var averager = new GradientAverager(group, parameters);
        var step = averager.Average((double)shard.Length / count, localLoss, correct: 0, canceled: false);

        double maxDifference = 0, maxGradient = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            maxDifference = Math.Max(maxDifference, (parameters[i].grad! - expected[i]).abs().max().item<float>());
            maxGradient = Math.Max(maxGradient, expected[i].abs().max().item<float>());
        }
        using var wholeLoss = nn.functional.cross_entropy(network.call(pixels), labels);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            rank = group.Rank,
            ranks = group.Size,
            shard = shard.Length,
            parameters = averager.BufferLength - 3,
            maxDifference,
            maxGradient,
            averagedLoss = step.Loss,
            wholeLoss = (double)wholeLoss.item<float>(),
        }));
    }

    /// <summary>
    /// A teacher and one student of PreActResNet-8 on 16x16 images through the ML.NET pipeline, data-parallel when
    /// started by mpiexec. Prints "rank R pid P" first, "batch G E B" after every batch, and "model R HASH" at the end
    /// (a hash of every generation's weights and statistics); rank 0 saves the model to <paramref name="folder"/>/model.zip.
    /// </summary>
    public static int Train(string folder, int epochs, IReadOnlyList<string> images)
    {
        var ml = new MLContext(seed: 7);
        var rows = images.Select(p => new Row { ImagePath = p, Label = Path.GetFileName(Path.GetDirectoryName(p)!) }).ToList();
        var data = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Fit(ml.Data.LoadFromEnumerable(rows))
            .Transform(ml.Data.LoadFromEnumerable(rows));
        Console.WriteLine($"rank {DataParallelTraining.Rank} pid {Environment.ProcessId}");
        var options = new BornAgainTrainer.Options
        {
            Architecture = NetworkArchitecture.PreActResNet(8),
            Generations = 1,
            EpochsPerGeneration = epochs,
            BatchSize = 8,
            LearningRate = 0.05,
            ImageHeight = 16,
            ImageWidth = 16,
            NumberOfThreads = 1,
            CheckpointDirectory = Path.Combine(folder, "checkpoint"),
            BatchCompleted = b => Console.WriteLine($"batch {b.Generation} {b.Epoch} {b.Batch}"),
        };
        using var model = ml.BornAgain().Train(options).Fit(data);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var generation in model.Model.Generations)
            hash.AppendData(GenerationState.SaveWeights(generation.Network));
        Console.WriteLine($"model {DataParallelTraining.Rank} {Convert.ToHexString(hash.GetHashAndReset())}");
        if (DataParallelTraining.Rank == 0)
            ml.Model.Save(model, data.Schema, Path.Combine(folder, "model.zip"));
        return 0;
    }

    /// <summary>The images at 16x16 as planar RGB in [0, 1], and labels from their folder names.</summary>
    private static (Tensor Pixels, Tensor Labels, int Classes) Load(IReadOnlyList<string> images)
    {
        var ml = new MLContext(seed: 1);
        var rows = images.Select(p => new Row { ImagePath = p, Label = Path.GetFileName(Path.GetDirectoryName(p)!) }).ToList();
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.Transforms.ResizeImages("Image", imageWidth: 16, imageHeight: 16))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1f / 255));
        var source = ml.Data.LoadFromEnumerable(rows);
        var pixelRows = ml.Data.CreateEnumerable<PixelRow>(pipeline.Fit(source).Transform(source), reuseRowObject: false).ToList();
        int classes = rows.Select(r => r.Label).Distinct().Count();
        var pixels = tensor(pixelRows.SelectMany(r => r.Pixels).ToArray(), new long[] { pixelRows.Count, 3, 16, 16 });
        var labels = tensor(pixelRows.Select(r => (long)r.Label - 1).ToArray());
        return (pixels, labels, classes);
    }
}
