using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.BornAgain;
using TorchSharp;
using static TorchSharp.torch;

namespace BornAgain.Benchmark.Phases;

/// <summary>
/// The raw TorchSharp references: the same network, batch and threads as the estimator, over pre-made tensors
/// (decoded, normalized and shuffled before timing), with nothing of the library's pipeline around it.
/// </summary>
internal static class RawTorchSharpPhase
{
    /// <summary>SGD steps on pre-made batches: forward, cross-entropy, backward, step, one loss read per step.</summary>
    public static JsonObject Train(BenchmarkSettings settings)
    {
        set_num_threads(settings.Threads);
        manual_seed(1);
        var (images, labels) = CifarImages.LoadTensors(new MLContext(seed: 1), CifarImages.Rows(settings.DataFolder, "train", settings.TrainImages));
        var network = NetworkArchitecture.PreActResNet(20).CreateNetwork(3, 10);
        long parameters = network.parameters().Sum(p => p.numel());
        using var optimizer = optim.SGD(network.parameters(), 0.1, 0.9, dampening: 0, weight_decay: 5e-4, nesterov: true);
        var order = randperm(images.shape[0]);
        var normalized = InBatchLayout(Normalize(images).index_select(0, order));
        var shuffledLabels = labels.index_select(0, order);
        int batchesPerEpoch = (int)(images.shape[0] / settings.BatchSize);
        network.train();

        var stepSeconds = new List<double>();
        for (int step = 0; step < settings.WarmupBatches + settings.RawSteps; step++)
        {
            long start = step % batchesPerEpoch * settings.BatchSize;
            long t0 = Stopwatch.GetTimestamp();
            using (var scope = NewDisposeScope())
            {
                var x = normalized.narrow(0, start, settings.BatchSize);
                var y = shuffledLabels.narrow(0, start, settings.BatchSize);
                var loss = nn.functional.cross_entropy(network.call(x), y);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                loss.item<float>();
            }
            stepSeconds.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        var timed = stepSeconds.Skip(settings.WarmupBatches).ToList();
        return new JsonObject
        {
            ["parameters"] = parameters,
            ["imagesPerSecond"] = settings.BatchSize / Statistics.Median(timed),
            ["meanImagesPerSecond"] = settings.BatchSize * timed.Count / timed.Sum(),
            ["channelsLast"] = ChannelsLast,
            ["peakRssMB"] = ProcessMemory.PeakMB,
        };
    }

    /// <summary>
    /// The raw evaluation next to <c>Transform</c>: forward passes in inference mode over the pre-made, normalized
    /// test tensors in batches of 64 (as Transform scores), with a network of the same architecture. Returns one pass
    /// over the test set, for the scoring phase to time alternately with <c>Transform</c> in the same process.
    /// </summary>
    public static Action EvaluationPass(BenchmarkSettings settings)
    {
        set_num_threads(settings.Threads);
        manual_seed(1);
        var (images, _) = CifarImages.LoadTensors(new MLContext(seed: 1), CifarImages.Rows(settings.DataFolder, "test", settings.TestImages));
        var normalized = InBatchLayout(Normalize(images));
        var network = NetworkArchitecture.PreActResNet(20).CreateNetwork(3, 10);
        network.eval();
        return () =>
        {
            using var inference = inference_mode();
            for (long start = 0; start < normalized.shape[0]; start += 64)
            {
                using var scope = NewDisposeScope();
                var x = normalized.narrow(0, start, Math.Min(64, normalized.shape[0] - start));
                softmax(network.call(x), 1).data<float>().ToArray();
            }
        };
    }

    /// <summary>
    /// The raw loops feed their batches in the library's order, channels-last strides on the CPU
    /// (<c>Networks/ChannelsLastLayout.cs</c>), so that the pipeline's overhead is measured against the same
    /// arithmetic; BENCHMARK_CHANNELS_LAST=0 feeds NCHW batches instead, to measure what the layout itself gains.
    /// </summary>
    private static bool ChannelsLast => Environment.GetEnvironmentVariable("BENCHMARK_CHANNELS_LAST") != "0";

    /// <summary>Pre-made images [N, C, H, W] in the layout the raw loops feed (see <see cref="ChannelsLast"/>).</summary>
    private static Tensor InBatchLayout(Tensor images) =>
        ChannelsLast ? images.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : images;

    private static Tensor Normalize(Tensor images)
    {
        var perChannel = images.transpose(0, 1).reshape(3, -1);
        var mean = perChannel.mean([1]).view(1, 3, 1, 1);
        var std = perChannel.std(1, unbiased: false).view(1, 3, 1, 1);
        return ((images - mean) / std).contiguous();
    }
}
