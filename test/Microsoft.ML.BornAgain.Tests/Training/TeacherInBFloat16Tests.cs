using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Tests.MLNet;
using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Training;

/// <summary>
/// <c>Options.TeacherInBFloat16</c>: the teacher's bfloat16 copy gives its logits to bfloat16's precision, and on
/// hardware with bfloat16 arithmetic only the students change (reproducibly); elsewhere nothing changes and the log
/// says why.
/// </summary>
[TestClass]
public sealed class TeacherInBFloat16Tests
{
    [TestMethod]
    public void Copy_GivesTheTeachersFloat32LogitsToBFloat16Precision()
    {
        manual_seed(5);
        using var teacher = NetworkArchitecture.PreActResNet(8).CreateNetwork(3, 10);
        teacher.eval();
        using var copy = BFloat16Teacher.From(teacher, NetworkArchitecture.PreActResNet(8), 3, 10, CPU);
        using var scope = NewDisposeScope();
        var images = randn(8, 3, 16, 16);

        Tensor expected, actual;
        using (no_grad())
            (expected, actual) = (teacher.call(images), copy.call(images));

        Assert.AreEqual(ScalarType.Float32, actual.dtype);
        double error = (actual - expected).abs().max().item<float>() / expected.abs().max().item<float>();
        // bfloat16 keeps 8 significant bits: a relative rounding of 2^-9 per operation, some 1e-3 through a network.
        Assert.IsGreaterThan(0.0, error, "the copy computed in float32");
        Assert.IsLessThan(0.05, error, $"relative error {error:E2}");
    }

    [TestMethod]
    public void Option_ChangesOnlyTheStudents_Reproducibly_WhereTheCpuHasBFloat16Arithmetic()
    {
        var (float32, float32Log) = Fit(teacherInBFloat16: false);
        var (bfloat16, bfloat16Log) = Fit(teacherInBFloat16: true);
        var (again, _) = Fit(teacherInBFloat16: true);
        using (float32)
        using (bfloat16)
        using (again)
        {
            Assert.IsTrue(SameNetwork(float32, bfloat16, 0), "the teacher itself trains in float32 either way");
            Assert.IsTrue(SameNetwork(bfloat16, again, 1), "same seed, same student");
            if (BFloat16Teacher.IsNative(CPU))
            {
                Assert.IsFalse(SameNetwork(float32, bfloat16, 1), "the student learned from the bfloat16 copy");
                Assert.IsTrue(bfloat16Log.Any(line => line.Contains("forward passes in bfloat16")), string.Join('\n', bfloat16Log));
            }
            else
            {
                Assert.IsTrue(SameNetwork(float32, bfloat16, 1), "without bfloat16 arithmetic the option changes nothing");
                Assert.IsTrue(bfloat16Log.Any(line => line.Contains("has no bfloat16 arithmetic")), string.Join('\n', bfloat16Log));
            }
            Assert.IsFalse(float32Log.Any(line => line.Contains("bfloat16")), "nothing said when the option is off");
        }
    }

    [TestMethod]
    [DataRow("AVX2", false)]
    [DataRow("avx512_core_vnni", false)]
    [DataRow("AVX512_CORE_BF16", true)]
    [DataRow("AVX512_CORE_AMX", true)]
    public void OneDnnHeldBelowBFloat16_IsNotNative(string limit, bool nativeIfTheCpuIs)
    {
        bool cpu = BFloat16Teacher.IsNative(CPU);
        string? before = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA");
        try
        {
            Environment.SetEnvironmentVariable("ONEDNN_MAX_CPU_ISA", limit);
            Assert.AreEqual(cpu && nativeIfTheCpuIs, BFloat16Teacher.IsNative(CPU));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ONEDNN_MAX_CPU_ISA", before);
        }
    }

    private static bool SameNetwork(BornAgainTransformer first, BornAgainTransformer second, int generation)
    {
        return TensorComparison.DifferingEntries(first.Generations[generation].Network.state_dict(),
            second.Generations[generation].Network.state_dict()).Count == 0;
    }

    private static (BornAgainTransformer Model, List<string> Log) Fit(bool teacherInBFloat16)
    {
        var ml = new MLContext(seed: 7);
        var log = new List<string>();
        ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        var data = ml.Data.LoadFromEnumerable(ImagePathRow.Load("train", 6));
        var options = new BornAgainTrainer.Options
        {
            Architecture = NetworkArchitecture.PreActResNet(8),
            Generations = 1,
            EpochsPerGeneration = 1,
            BatchSize = 8,
            NumberOfThreads = 2,
            ImageHeight = 16,
            ImageWidth = 16,
            TeacherInBFloat16 = teacherInBFloat16,
        };
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.BornAgain().Train(options))
            .Fit(data).LastTransformer;
        return (model, log);
    }
}
