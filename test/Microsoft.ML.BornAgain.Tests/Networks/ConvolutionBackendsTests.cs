using Microsoft.ML.BornAgain.Networks;

namespace Microsoft.ML.BornAgain.Tests.Networks;

/// <summary>NNPACK, which the library never needs and which floods standard error where it cannot run, is off.</summary>
[TestClass]
public sealed class ConvolutionBackendsTests
{
    [TestMethod]
    public void AfterANetworkIsBuilt_LibTorchHasNnpackOff()
    {
        using var network = NetworkArchitecture.PreActResNet(8).CreateNetwork(3, 10);

        var enabled = ConvolutionBackends.IsNnpackEnabled();
        Assert.IsNotNull(enabled, "LibTorch's NNPACK switch was not found");
        Assert.IsFalse(enabled.Value, "NNPACK is still enabled after a network was built");
    }
}
