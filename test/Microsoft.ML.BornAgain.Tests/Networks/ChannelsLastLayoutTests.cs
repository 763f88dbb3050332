using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Networks;

/// <summary>
/// The channels-last order of network inputs: same values, NHWC strides for any channel count (one included), kept
/// through normalization, and the network's function computed to float32 accuracy in every family.
/// </summary>
[TestClass]
public sealed class ChannelsLastLayoutTests
{
    /// <summary>
    /// Largest error allowed in a float32 pass, relative to the largest magnitude of the float64 reference: logits and
    /// each parameter's gradient. Measured on an AMD EPYC (Zen 5, AVX-512) with every kernel path the suite forces (default,
    /// ONEDNN_MAX_CPU_ISA=SSE41 and AVX2, ATEN_CPU_CAPABILITY=default and avx2), both memory orders, the three families
    /// and 1 and 3 channels (2026-12-02): at most 3.2e-7 for logits and 9.8e-7 for stem gradients. 1e-5 leaves a margin
    /// of 10x over float rounding, while a wrong value (a stale or unzeroed block) is off by orders of magnitude more. A
    /// bound relative to the largest magnitude, not per element: elements near zero come out of sums that cancel, and
    /// their relative error says nothing about the computation.
    /// </summary>
    private const double RelativeTolerance = 1e-5;

    [TestMethod]
    [DataRow(3, new long[] { 60, 1, 15, 3 })]
    [DataRow(1, new long[] { 20, 1, 5, 1 })]
    public void Arrange_CpuBatch_SameValuesWithChannelsInnermost(int channels, long[] expectedStrides)
    {
        using var scope = NewDisposeScope();
        var images = arange(2 * channels * 4 * 5, ScalarType.Float32).view(2, channels, 4, 5);

        var arranged = ChannelsLastLayout.Arrange(images);

        Assert.IsTrue(arranged.SameAs(images));
        CollectionAssert.AreEqual(expectedStrides, arranged.stride());
        Assert.IsFalse(ChannelsLastLayout.IsChannelsLast(images));
        Assert.IsTrue(ChannelsLastLayout.IsChannelsLast(arranged));
        Assert.AreSame(arranged, ChannelsLastLayout.Arrange(arranged), "an arranged batch is not copied again");
    }

    [TestMethod]
    [DataRow(3)]
    [DataRow(1)]
    public void ToNetworkInput_NormalizesAndKeepsChannelsLast(int channels)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var images = rand(4, channels, 8, 8) * 255;
        var normalization = new ChannelNormalization(new[] { 120f, 110f, 100f }[..channels], new[] { 60f, 50f, 40f }[..channels]);

        var input = normalization.ToNetworkInput(images, CPU);

        Assert.IsTrue(ChannelsLastLayout.IsChannelsLast(input), $"strides [{string.Join(", ", input.stride())}]");
        Assert.IsTrue(input.allclose(normalization.Apply(images), rtol: 0, atol: 1e-6));
    }

    [TestMethod]
    [TestCategory(KernelPaths.Category)]
    [DataRow("PreActResNet-8", 3)]
    [DataRow("WRN-10-2-0.3", 3)]
    [DataRow("DenseNetBC-10-8-0.5-0.2", 3)]
    [DataRow("DenseNetBC-10-12", 3)]
    [DataRow("PreActResNet-8", 1)]
    [DataRow("WRN-10-2-0.3", 1)]
    [DataRow("DenseNetBC-10-8-0.5-0.2", 1)]
    [DataRow("DenseNetBC-10-12", 1)]
    public void Network_EitherInputOrder_ComputesTheFloat64LogitsAndGradients(string name, int channels) =>
        AssertFloat64LogitsAndGradients(name, channels, training: false); // dropout off, so every pass computes the same function

    /// <summary>In training mode, as the trainer runs them: batch norm from batch statistics, its own backward kernels.</summary>
    [TestMethod]
    [TestCategory(KernelPaths.Category)]
    [DataRow("PreActResNet-8", 3)]
    [DataRow("WRN-10-2", 3)]
    [DataRow("DenseNetBC-10-12", 3)]
    [DataRow("DenseNetBC-10-8", 1)]
    public void Network_TrainingMode_ComputesTheFloat64LogitsAndGradients(string name, int channels) =>
        AssertFloat64LogitsAndGradients(name, channels, training: true); // networks without dropout

    private static void AssertFloat64LogitsAndGradients(string name, int channels, bool training)
    {
        manual_seed(4);
        using var network = NetworkArchitecture.Parse(name).CreateNetwork(channels, 10);
        network.train(training);
        using var scope = NewDisposeScope();
        var images = randn(4, channels, 16, 16);
        var labels = tensor(new long[] { 0, 3, 5, 9 });

        // A caller may hand in either order (a test's randn is NCHW); the network must compute the same function from
        // both. Memory left holding NaN makes a kernel that reads lanes nobody wrote fail loudly rather than by chance.
        FreedMemory.FillWithNaN();
        var (logits, gradients) = LogitsAndGradients(network, ChannelsLastLayout.Arrange(images), labels);
        FreedMemory.FillWithNaN();
        var (defaultLogits, defaultGradients) = LogitsAndGradients(network, images, labels);
        network.to(ScalarType.Float64);
        var (referenceLogits, referenceGradients) = LogitsAndGradients(network, images.to(ScalarType.Float64), labels);

        foreach (var (order, actualLogits, actualGradients) in new[] { ("channels-last", logits, gradients), ("default", defaultLogits, defaultGradients) })
        {
            double logitsError = RelativeError(actualLogits, referenceLogits);
            var (parameter, gradientError) = actualGradients.Keys.Select(key => (key, RelativeError(actualGradients[key], referenceGradients[key])))
                .MaxBy(error => error.Item2);
            string measured = $"{name}, {channels} channel(s), {(training ? "training" : "evaluation")} mode, {order} order: logits {logitsError:E2}, " +
                $"gradients up to {gradientError:E2} (at {parameter}) ({KernelPaths.Current})";
            Console.WriteLine(measured);
            Assert.IsLessThan(RelativeTolerance, logitsError, measured);
            Assert.IsLessThan(RelativeTolerance, gradientError, measured);
        }
    }

    /// <summary>The largest absolute difference, relative to the reference's largest magnitude.</summary>
    private static double RelativeError(Tensor actual, Tensor reference)
    {
        using var scope = NewDisposeScope();
        var difference = (actual.to(ScalarType.Float64) - reference).abs().max().item<double>();
        return difference / reference.abs().max().item<double>();
    }

    private static (Tensor Logits, Dictionary<string, Tensor> Gradients) LogitsAndGradients(nn.Module<Tensor, Tensor> network, Tensor images, Tensor labels)
    {
        network.zero_grad();
        var logits = network.call(images);
        nn.functional.cross_entropy(logits, labels).backward();
        var gradients = network.named_parameters().ToDictionary(named => named.name, named => named.parameter.grad!.clone());
        return (logits.detach(), gradients);
    }
}
