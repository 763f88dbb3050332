using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.BornAgain;
using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BornAgain.Benchmark.Phases;

/// <summary>
/// Where a student's step time goes, in one process with the parts alternating step by step (so the machine's load
/// slows all alike): the teacher's forward pass alone, a student step from the labels (no teacher), and a student
/// step with the teacher's forward pass, under <c>no_grad</c> (what the library runs), under <c>inference_mode</c>,
/// and on the teacher's bfloat16 copy (<c>Options.TeacherInBFloat16</c>). The same network (PreActResNet-20), batch
/// and channels-last input as the estimator's.
/// </summary>
internal static class StudentStepPhase
{
    public static JsonObject Run(BenchmarkSettings settings)
    {
        set_num_threads(settings.Threads);
        var ml = new MLContext(seed: 1);
        var (images, labels) = CifarImages.LoadTensors(ml, CifarImages.Rows(settings.DataFolder, "train", settings.BatchSize));
        var normalization = ChannelNormalization.FromImages(images);
        using var input = normalization.ToNetworkInput(images, CPU);
        var architecture = NetworkArchitecture.PreActResNet(20);

        manual_seed(1);
        using var teacher = architecture.CreateNetwork(3, 10);
        teacher.eval();
        using var student = architecture.CreateNetwork(3, 10);
        student.train();
        using var sgd = new MomentumSgd(student.parameters(), 0.01, 0.9, 5e-4, nesterov: true);

        double TeacherAlone() => Statistics.Seconds(() =>
        {
            using var scope = NewDisposeScope();
            using (no_grad())
                teacher.call(input).sum().item<float>();
        });
        double Step(Func<Tensor>? teacherLogits) => Statistics.Seconds(() =>
        {
            using var scope = NewDisposeScope();
            student.zero_grad();
            var t = teacherLogits?.Invoke();
            var logits = student.call(input);
            var loss = t is null
                ? nn.functional.cross_entropy(logits, labels)
                : -(softmax(t, 1) * nn.functional.log_softmax(logits, 1)).sum(1).mean();
            loss.backward();
            sgd.Step();
            loss.item<float>();
        });
        Tensor NoGrad()
        {
            using (no_grad())
                return teacher.call(input);
        }
        Tensor Inference()
        {
            using (inference_mode())
                return teacher.call(input);
        }
        using var bfloat16Teacher = BFloat16Teacher.From(teacher, architecture, 3, 10, CPU);
        Tensor BFloat16()
        {
            using (no_grad())
                return bfloat16Teacher.call(input);
        }

        var parts = new (string Name, Func<double> Run)[]
        {
            ("teacherForwardMs", TeacherAlone),
            ("studentStepWithoutTeacherMs", () => Step(null)),
            ("studentStepNoGradTeacherMs", () => Step(NoGrad)),
            ("studentStepInferenceModeTeacherMs", () => Step(Inference)),
            ("studentStepBFloat16TeacherMs", () => Step(BFloat16)), // Options.TeacherInBFloat16
        };
        var medians = Statistics.AlternatingMedians(settings.WarmupBatches, settings.RawSteps, parts.Select(part => part.Run).ToArray());

        var result = new JsonObject { ["batch"] = settings.BatchSize, ["steps"] = settings.RawSteps };
        for (int p = 0; p < parts.Length; p++)
            result[parts[p].Name] = medians[p] * 1000;
        return result;
    }
}
