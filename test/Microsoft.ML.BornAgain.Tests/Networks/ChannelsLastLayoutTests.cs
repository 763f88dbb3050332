using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Networks;

/// <summary>
/// The channels-last order of network inputs: same values, NHWC strides, kept through normalization, and the same
/// logits and gradients as the default order up to float rounding, in every network family.
/// </summary>
[TestClass]
public sealed class ChannelsLastLayoutTests
{
    [TestMethod]
    public void Arrange_CpuBatch_SameValuesWithChannelsInnermost()
    {
        using var scope = NewDisposeScope();
        var images = arange(2 * 3 * 4 * 5, ScalarType.Float32).view(2, 3, 4, 5);

        var arranged = ChannelsLastLayout.Arrange(images);

        Assert.IsTrue(arranged.SameAs(images));
        CollectionAssert.AreEqual(new long[] { 60, 1, 15, 3 }, arranged.stride());
        Assert.IsFalse(ChannelsLastLayout.IsChannelsLast(images));
        Assert.IsTrue(ChannelsLastLayout.IsChannelsLast(arranged));
        Assert.AreSame(arranged, ChannelsLastLayout.Arrange(arranged), "an arranged batch is not copied again");
    }

    [TestMethod]
    public void ToNetworkInput_NormalizesAndKeepsChannelsLast()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var images = rand(4, 3, 8, 8) * 255;
        var normalization = new ChannelNormalization(new[] { 120f, 110f, 100f }, new[] { 60f, 50f, 40f });

        var input = normalization.ToNetworkInput(images, CPU);

        Assert.IsTrue(ChannelsLastLayout.IsChannelsLast(input), $"strides [{string.Join(", ", input.stride())}]");
        Assert.IsTrue(input.allclose(normalization.Apply(images), rtol: 0, atol: 1e-6));
    }

    [TestMethod]
    [DataRow("PreActResNet-8")]
    [DataRow("WRN-10-2-0.3")]
    [DataRow("DenseNetBC-10-8-0.5-0.2")]
    public void Network_ChannelsLastInput_SameLogitsAndGradientsAsDefaultOrder(string name)
    {
        manual_seed(4);
        using var network = NetworkArchitecture.Parse(name).CreateNetwork(3, 10);
        network.eval(); // dropout off, so both passes compute the same function
        using var scope = NewDisposeScope();
        var images = randn(4, 3, 16, 16);
        var labels = tensor(new long[] { 0, 3, 5, 9 });

        var (logits, gradient) = LogitsAndStemGradient(network, images, labels);
        var (arrangedLogits, arrangedGradient) = LogitsAndStemGradient(network, ChannelsLastLayout.Arrange(images), labels);

        Assert.IsTrue(arrangedLogits.allclose(logits, rtol: 1e-4, atol: 1e-5), $"{name}: logits differ");
        Assert.IsTrue(arrangedGradient.allclose(gradient, rtol: 1e-3, atol: 1e-5), $"{name}: stem gradients differ");
    }

    private static (Tensor Logits, Tensor StemGradient) LogitsAndStemGradient(nn.Module<Tensor, Tensor> network, Tensor images, Tensor labels)
    {
        network.zero_grad();
        var logits = network.call(images);
        nn.functional.cross_entropy(logits, labels).backward();
        var stem = network.parameters().First();
        return (logits.detach(), stem.grad!.clone());
    }
}
