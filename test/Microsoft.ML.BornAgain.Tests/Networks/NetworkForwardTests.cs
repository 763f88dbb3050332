using Microsoft.ML.BornAgain.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Networks;

/// <summary>Forward passes of the small configurations: shapes, input checks, train/eval behaviour, scopes.</summary>
[TestClass]
public sealed class NetworkForwardTests
{
    private const int BatchSize = 2;

    [TestMethod]
    [DataRow("PreActResNet-8", 1, 10)]
    [DataRow("PreActResNet-8", 3, 100)]
    [DataRow("PreActResNet-8-2", 3, 10)]
    [DataRow("WRN-10-1", 1, 100)]
    [DataRow("WRN-10-2-0.3", 3, 10)]
    [DataRow("DenseNetBC-10-8", 1, 10)]
    [DataRow("DenseNetBC-10-8-0.5-0.2", 3, 100)]
    public void Forward_AnyChannelsSizeAndClasses_GivesLogitsPerImageAndClass(string name, int channels, int classCount)
    {
        manual_seed(1);
        using var network = NetworkArchitecture.Parse(name).CreateNetwork(channels, classCount);
        foreach (var (height, width) in new[] { (8, 8), (28, 28), (32, 32), (9, 13) })
        {
            foreach (var training in new[] { true, false })
            {
                network.train(training);
                using var scope = NewDisposeScope();
                var images = randn(BatchSize, channels, height, width);

                var logits = network.call(images);

                CollectionAssert.AreEqual(new long[] { BatchSize, classCount }, logits.shape, $"{name} on {height}x{width}");
                Assert.IsTrue(logits.isfinite().all().item<bool>(), $"{name} on {height}x{width} gives non-finite logits");
            }
        }
    }

    [TestMethod]
    [DataRow("PreActResNet-8")]
    [DataRow("WRN-10-1-0.3")]
    [DataRow("DenseNetBC-10-8-0.5-0.2")]
    public void Backward_ReachesTheStemConvolution(string name)
    {
        manual_seed(2);
        using var network = NetworkArchitecture.Parse(name).CreateNetwork(3, 10);
        using var scope = NewDisposeScope();

        var loss = nn.functional.cross_entropy(network.call(randn(4, 3, 8, 8)), tensor(new long[] { 0, 1, 2, 3 }));
        loss.backward();

        var stem = network.named_parameters().First().parameter;
        Assert.IsNotNull(stem.grad);
        Assert.IsTrue(stem.grad.abs().sum().item<float>() > 0, $"{name}: no gradient at {network.named_parameters().First().name}");
    }

    [TestMethod]
    [DataRow("WRN-10-1-0.5")]
    [DataRow("DenseNetBC-10-8-0.5-0.5")]
    public void Dropout_ActsInTrainingOnly(string name)
    {
        manual_seed(3);
        using var network = NetworkArchitecture.Parse(name).CreateNetwork(3, 10);
        using var scope = NewDisposeScope();
        var images = randn(BatchSize, 3, 8, 8);

        network.eval();
        Assert.AreEqual(0f, MaxDifference(network.call(images), network.call(images)), "eval() must be deterministic");

        // In training mode BN uses batch statistics either way; only dropout makes two passes differ.
        network.train();
        Assert.IsGreaterThan(0f, MaxDifference(network.call(images), network.call(images)), "train() must apply dropout");
    }

    private static float MaxDifference(Tensor first, Tensor second) => (first - second).abs().max().item<float>();

    [TestMethod]
    [DataRow("PreActResNet-8")]
    [DataRow("WRN-10-1")]
    [DataRow("DenseNetBC-10-8")]
    public void Forward_LeavesOnlyTheLogitsInTheCallersScope(string name)
    {
        using var network = NetworkArchitecture.Parse(name).CreateNetwork(3, 10);
        using var scope = NewDisposeScope();
        var images = randn(BatchSize, 3, 8, 8);
        var before = scope.DisposablesCount;

        var logits = network.call(images);

        Assert.AreEqual(before + 1, scope.DisposablesCount);
        Assert.IsTrue(scope.Contains(logits));
    }

    [TestMethod]
    [DataRow("PreActResNet-8")]
    [DataRow("WRN-10-1")]
    [DataRow("DenseNetBC-10-8")]
    public void Forward_BadInput_ThrowsArgumentExceptionNamingTheProblem(string name)
    {
        using var network = NetworkArchitecture.Parse(name).CreateNetwork(3, 10);
        using var scope = NewDisposeScope();

        var wrongChannels = Assert.ThrowsExactly<ArgumentException>(() => network.call(randn(BatchSize, 1, 8, 8)));
        StringAssert.Contains(wrongChannels.Message, "was created for 3 input channel(s), got input with 1 channel(s)");
        Assert.AreEqual("input", wrongChannels.ParamName);

        var tooSmall = Assert.ThrowsExactly<ArgumentException>(() => network.call(randn(BatchSize, 3, 7, 8)));
        StringAssert.Contains(tooSmall.Message, "needs images of at least 8x8, got 7x8");

        var wrongRank = Assert.ThrowsExactly<ArgumentException>(() => network.call(randn(3, 8, 8)));
        StringAssert.Contains(wrongRank.Message, "got shape [3, 8, 8]");
    }
}
