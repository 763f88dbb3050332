using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.BornAgain;
using Microsoft.ML.BornAgain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BornAgain.Benchmark.Phases;

/// <summary>
/// Would bfloat16 pay on a CPU with AVX512_BF16? Trains a PreActResNet-20 teacher in float32 through the library's
/// engine on real images, then compares a bfloat16 copy of it with the float32 original on the test images: accuracy,
/// agreement and probability differences, and the speed of the teacher's forward pass (what a student's step runs, or
/// the cached teacher logits) and of a training step, float32 and bfloat16 alternating in this one process.
/// Run alone: <c>--phase bf16 [--epochs N] [--train-count N]</c> (not part of the benchmark's table); every test image is
/// scored.
/// </summary>
internal static class BFloat16Phase
{
    public static JsonObject Run(BenchmarkSettings settings, int epochs, int trainCount)
    {
        set_num_threads(settings.Threads);
        var ml = new MLContext(seed: 1);
        var (trainImages, trainLabels) = CifarImages.LoadTensors(ml, CifarImages.Rows(settings.DataFolder, "train", trainCount));
        var (testImages, testLabels) = CifarImages.LoadTensors(ml, CifarImages.Rows(settings.DataFolder, "test", int.MaxValue));

        using var train = new ImageTensorDataset(trainImages, trainLabels, 10);
        var options = new BornAgainTrainingOptions { Generations = 0, EpochsPerGeneration = epochs, NumberOfThreads = settings.Threads, Seed = 1 };
        long t0 = Stopwatch.GetTimestamp();
        using var model = BornAgainTraining.Train(train, null, options);
        double trainSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var float32 = model.Generations[0].Network;
        float32.eval();
        var bfloat16 = NetworkArchitecture.PreActResNet(20).CreateNetwork(3, 10);
        bfloat16.load_state_dict(float32.state_dict());
        bfloat16.to(ScalarType.BFloat16).eval();

        var inputs = new List<Tensor>();
        for (long start = 0; start < testImages.shape[0]; start += settings.BatchSize)
        {
            long length = Math.Min(settings.BatchSize, testImages.shape[0] - start);
            inputs.Add(model.Normalization.ToNetworkInput(testImages.narrow(0, start, length), CPU));
        }

        // Accuracy and agreement on the test images.
        var (p32, p16) = (Probabilities(float32, inputs, null), Probabilities(bfloat16, inputs, ScalarType.BFloat16));
        double accuracy32 = p32.argmax(1).eq(testLabels).to(ScalarType.Float32).mean().item<float>();
        double accuracy16 = p16.argmax(1).eq(testLabels).to(ScalarType.Float32).mean().item<float>();
        double agreement = p32.argmax(1).eq(p16.argmax(1)).to(ScalarType.Float32).mean().item<float>();
        var difference = (p32 - p16).abs();
        double maxDifference = difference.max().item<float>();
        double meanDifference = difference.mean().item<float>();

        // The teacher's forward pass over the test set at the training batch, alternating pass by pass.
        var (seconds32, seconds16) = Statistics.MedianPassSeconds(
            () => Probabilities(float32, inputs, null).Dispose(),
            () => Probabilities(bfloat16, inputs, ScalarType.BFloat16).Dispose());
        var (step32, step16) = TrainingSteps(settings, inputs[0], testLabels.narrow(0, 0, inputs[0].shape[0]));
        var (studentStep32, studentStep16) = StudentSteps(settings, float32, inputs[0], testLabels.narrow(0, 0, inputs[0].shape[0]));

        return new JsonObject
        {
            ["cpu"] = CpuInfo.Read().Model,
            ["cpuVectorFlags"] = string.Join(' ', CpuInfo.Read().VectorFlags),
            ["trainImages"] = train.Count,
            ["testImages"] = testImages.shape[0],
            ["epochs"] = epochs,
            ["teacherTrainSeconds"] = trainSeconds,
            ["float32Accuracy"] = accuracy32,
            ["bfloat16Accuracy"] = accuracy16,
            ["top1Agreement"] = agreement,
            ["maxProbabilityDifference"] = maxDifference,
            ["meanProbabilityDifference"] = meanDifference,
            ["float32ForwardImagesPerSecond"] = testImages.shape[0] / seconds32,
            ["bfloat16ForwardImagesPerSecond"] = testImages.shape[0] / seconds16,
            ["float32TrainingStepMs"] = step32 * 1000,
            ["bfloat16TrainingStepMs"] = step16 * 1000,
            // What the option changes: a student's step with the teacher's forward pass in float32 or on the library's
            // bfloat16 copy, alternating step by step.
            ["studentStepFloat32TeacherMs"] = studentStep32 * 1000,
            ["studentStepBFloat16TeacherMs"] = studentStep16 * 1000,
            ["note"] = string.Create(CultureInfo.InvariantCulture,
                $"bfloat16 training step: parameters, activations and gradients all bfloat16 (TorchSharp 0.107 has no autocast)"),
        };
    }

    /// <summary>
    /// Median seconds of a student's SGD step (the teacher's forward pass without gradients, then the student's forward,
    /// the BAN loss, backward and step) with the float32 teacher and with its <see cref="BFloat16Teacher"/> copy,
    /// alternating step by step on one float32 student.
    /// </summary>
    private static (double Float32, double BFloat16) StudentSteps(BenchmarkSettings settings, nn.Module<Tensor, Tensor> teacher, Tensor input, Tensor labels)
    {
        using var copy = BFloat16Teacher.From(teacher, NetworkArchitecture.PreActResNet(20), 3, 10, CPU);
        manual_seed(2);
        var student = NetworkArchitecture.PreActResNet(20).CreateNetwork(3, 10);
        student.train();
        using var sgd = optim.SGD(student.parameters(), 0.01, 0.9);
        double Step(nn.Module<Tensor, Tensor> t)
        {
            long t0 = Stopwatch.GetTimestamp();
            using var scope = NewDisposeScope();
            Tensor teacherLogits;
            using (no_grad())
                teacherLogits = t.call(input);
            var loss = -(softmax(teacherLogits, 1) * nn.functional.log_softmax(student.call(input), 1)).sum(1).mean();
            sgd.zero_grad();
            loss.backward();
            sgd.step();
            loss.item<float>();
            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }

        var medians = Statistics.AlternatingMedians(settings.WarmupBatches, settings.RawSteps, () => Step(teacher), () => Step(copy));
        return (medians[0], medians[1]);
    }

    /// <summary>Softmax probabilities [N, classes] in float32 of <paramref name="network"/> over the batches, in inference mode.</summary>
    private static Tensor Probabilities(nn.Module<Tensor, Tensor> network, List<Tensor> inputs, ScalarType? dtype)
    {
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        var batches = inputs.Select(x => softmax(network.call(dtype is { } t ? x.to(t) : x).to(ScalarType.Float32), 1)).ToList();
        return cat(batches, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Median seconds of one SGD step (forward, cross-entropy, backward, step) of a fresh float32 network and of a
    /// bfloat16 one on the same batch, alternating step by step.
    /// </summary>
    private static (double Float32, double BFloat16) TrainingSteps(BenchmarkSettings settings, Tensor input, Tensor labels)
    {
        manual_seed(1);
        var net32 = NetworkArchitecture.PreActResNet(20).CreateNetwork(3, 10);
        var net16 = NetworkArchitecture.PreActResNet(20).CreateNetwork(3, 10);
        net16.to(ScalarType.BFloat16);
        net32.train();
        net16.train();
        using var sgd32 = optim.SGD(net32.parameters(), 0.01, 0.9);
        using var sgd16 = optim.SGD(net16.parameters(), 0.01, 0.9);
        var input16 = input.to(ScalarType.BFloat16);
        double Step(nn.Module<Tensor, Tensor> net, optim.Optimizer sgd, Tensor x)
        {
            long t0 = Stopwatch.GetTimestamp();
            using var scope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(net.call(x).to(ScalarType.Float32), labels);
            sgd.zero_grad();
            loss.backward();
            sgd.step();
            loss.item<float>();
            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }

        var medians = Statistics.AlternatingMedians(settings.WarmupBatches, settings.RawSteps,
            () => Step(net32, sgd32, input), () => Step(net16, sgd16, input16));
        return (medians[0], medians[1]);
    }
}
