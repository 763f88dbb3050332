using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML.BornAgain;
using Microsoft.ML.BornAgain.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace BornAgain.Benchmark.Phases;

/// <summary>
/// The physical limit on the machine of the run: how many GFLOP/s LibTorch's convolutions reach on this CPU (with
/// the kernel paths of the run, <c>--isa</c>), the FLOPs of the benchmark's network per image counted from its layers,
/// and the training throughput its convolutions alone would allow. The report divides the measured training rates by
/// these.
/// </summary>
internal static class ComputeLimitPhase
{
    /// <summary>One convolution of the network as it runs in training: input shape at the batch size, weight shape, stride, padding.</summary>
    private sealed record ConvolutionShape(long[] Input, long[] Weight, long Stride, long Padding, long[] Output)
    {
        public string Key => $"{string.Join('x', Input)}|{string.Join('x', Weight)}|s{Stride}";

        /// <summary>Multiply-adds x 2 of one forward pass over the whole input batch.</summary>
        public double ForwardFlops => 2.0 * Output.Aggregate(1L, (a, b) => a * b) * Weight[1] * Weight[2] * Weight[3];
    }

    public static JsonObject Run(BenchmarkSettings settings)
    {
        set_num_threads(settings.Threads);
        manual_seed(1);
        var (forwardFlopsPerImage, convolutions) = CountFlops(settings.BatchSize);

        // The kernel oneDNN is best at among the shapes such a network has: 3x3, 64 -> 64 channels, 16x16, batch 128,
        // channels-last (as the library feeds its batches), forward only.
        var peak = new ConvolutionShape([128, 64, 16, 16], [64, 64, 3, 3], 1, 1, [128, 64, 16, 16]);
        double peakSeconds = MedianSeconds(peak, backward: false, repeats: 20);

        // The network's own convolutions at the training batch, forward and backward (weights and inputs), each shape
        // as often as the network has it: the step time the convolutions alone would take.
        double convolutionSeconds = 0, convolutionFlops = 0;
        var shapes = new JsonArray();
        foreach (var group in convolutions.GroupBy(c => c.Key))
        {
            var shape = group.First();
            double seconds = MedianSeconds(shape, backward: true, repeats: 10);
            convolutionSeconds += seconds * group.Count();
            convolutionFlops += 3 * shape.ForwardFlops * group.Count();
            shapes.Add(new JsonObject
            {
                ["input"] = string.Join('x', shape.Input), ["weight"] = string.Join('x', shape.Weight), ["stride"] = shape.Stride,
                ["count"] = group.Count(), ["forwardBackwardMs"] = Math.Round(seconds * 1000, 3),
                ["gflops"] = Math.Round(3 * shape.ForwardFlops / seconds / 1e9, 1),
            });
        }

        return new JsonObject
        {
            ["peakConvolution"] = "3x3 conv 64->64 channels, 16x16, batch 128, channels-last, forward",
            ["peakGflops"] = peak.ForwardFlops / peakSeconds / 1e9,
            ["forwardMflopsPerImage"] = forwardFlopsPerImage / 1e6,
            // Backward computes the gradients of the inputs and of the weights, each about one forward pass.
            ["trainingMflopsPerImage"] = 3 * forwardFlopsPerImage / 1e6,
            ["convolutionsTrainingGflops"] = convolutionFlops / convolutionSeconds / 1e9,
            ["convolutionsStepMs"] = convolutionSeconds * 1000,
            ["convolutionCeilingImagesPerSecond"] = settings.BatchSize / convolutionSeconds,
            ["convolutionShapes"] = shapes,
            ["kernelEnvironment"] = KernelEnvironment(),
        };
    }

    /// <summary>
    /// Forward FLOPs per image of PreActResNet-20 counted from its layers (every convolution and the linear layer,
    /// from their weights and output shapes; batch normalization, ReLU and pooling are a few percent and memory-bound,
    /// left out), and its convolutions at <paramref name="batchSize"/>.
    /// </summary>
    private static (double ForwardFlopsPerImage, List<ConvolutionShape> Convolutions) CountFlops(int batchSize)
    {
        var network = NetworkArchitecture.PreActResNet(20).CreateNetwork(3, 10);
        network.eval();
        var convolutions = new List<ConvolutionShape>();
        double linearFlops = 0;
        var hooks = new List<IDisposable>();
        foreach (var (_, module) in network.named_modules())
        {
            if (module is TorchSharp.Modules.Conv2d conv)
            {
                conv.register_forward_hook((m, input, output) =>
                {
                    var weight = conv.weight!.shape;
                    long stride = input.shape[2] / output.shape[2];
                    convolutions.Add(new ConvolutionShape(input.shape, weight, stride, weight[2] / 2, output.shape));
                    return output;
                });
            }
            else if (module is TorchSharp.Modules.Linear linear)
            {
                linear.register_forward_hook((m, input, output) =>
                {
                    linearFlops += 2.0 * linear.weight!.shape[0] * linear.weight!.shape[1] * input.shape[0];
                    return output;
                });
            }
        }
        using (var scope = NewDisposeScope())
        using (inference_mode())
            network.call(zeros(batchSize, 3, CifarImages.Size, CifarImages.Size));
        network.Dispose();
        double forward = (convolutions.Sum(c => c.ForwardFlops) + linearFlops) / batchSize;
        return (forward, convolutions);
    }

    /// <summary>Median seconds of one convolution (forward, or forward and backward) after warm-up, channels-last input.</summary>
    private static double MedianSeconds(ConvolutionShape shape, bool backward, int repeats)
    {
        using var scope = NewDisposeScope();
        var input = ChannelsLastLayout.Arrange(randn(shape.Input)).requires_grad_(backward);
        var weight = (randn(shape.Weight) * 0.05).requires_grad_(backward);
        var gradient = ChannelsLastLayout.Arrange(ones(shape.Output));
        var seconds = new List<double>();
        for (int i = 0; i < repeats + 3; i++)
        {
            using var step = NewDisposeScope();
            long t0 = Stopwatch.GetTimestamp();
            var output = nn.functional.conv2d(input, weight, strides: [shape.Stride, shape.Stride], padding: [shape.Padding, shape.Padding]);
            if (!output.shape.SequenceEqual(shape.Output))
                throw new InvalidOperationException($"Convolution output {string.Join('x', output.shape)}, expected {string.Join('x', shape.Output)}.");
            if (backward)
                output.backward([gradient]);
            double elapsed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (i >= 3)
                seconds.Add(elapsed);
        }
        return Statistics.Median(seconds);
    }

    private static JsonObject KernelEnvironment() => new()
    {
        ["ONEDNN_MAX_CPU_ISA"] = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") ?? "",
        ["ATEN_CPU_CAPABILITY"] = Environment.GetEnvironmentVariable("ATEN_CPU_CAPABILITY") ?? "",
    };
}
