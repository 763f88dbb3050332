using Microsoft.ML.BornAgain.Networks;

namespace Microsoft.ML.BornAgain.Tests.Networks;

/// <summary>state_dict keys follow the PyTorch reference implementations, so checkpoints line up.</summary>
[TestClass]
public sealed class NetworkStateDictTests
{
    [TestMethod]
    public void PreActResNet_KeysFollowResNetAndWrnBlockNames()
    {
        var keys = StateDictKeys("PreActResNet-20");

        AssertContains(keys,
            "conv1.weight",
            "layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var",
            "layer1.0.conv1.weight", "layer1.0.bn2.weight", "layer1.0.conv2.weight",
            "layer2.0.convShortcut.weight", "layer3.2.conv2.weight",
            "bn1.weight", "bn1.bias", "fc.weight", "fc.bias");
        AssertLacks(keys, "layer1.0.convShortcut.weight", "layer2.1.convShortcut.weight", "layer3.3.conv1.weight", "conv1.bias");
    }

    [TestMethod]
    public void WideResNet_KeysFollowTheWrnReferenceCode()
    {
        var keys = StateDictKeys("WRN-16-2-0.3");

        AssertContains(keys,
            "conv1.weight",
            "block1.layer.0.bn1.weight", "block1.layer.0.conv1.weight", "block1.layer.0.bn2.running_var",
            "block1.layer.0.conv2.weight", "block1.layer.0.convShortcut.weight",
            "block2.layer.0.convShortcut.weight", "block3.layer.1.conv2.weight",
            "bn1.weight", "fc.weight", "fc.bias");
        AssertLacks(keys, "block1.layer.1.convShortcut.weight", "block3.layer.2.conv1.weight");
    }

    [TestMethod]
    public void WideResNet_WidthOne_HasNoShortcutInTheFirstGroup()
    {
        var keys = StateDictKeys("WRN-10-1");

        AssertLacks(keys, "block1.layer.0.convShortcut.weight");
        AssertContains(keys, "block2.layer.0.convShortcut.weight", "block3.layer.0.convShortcut.weight");
    }

    [TestMethod]
    public void DenseNetBC_KeysFollowTorchvisionDenseNet()
    {
        var keys = StateDictKeys("DenseNetBC-40-12");

        AssertContains(keys,
            "features.conv0.weight",
            "features.denseblock1.denselayer1.norm1.weight", "features.denseblock1.denselayer1.norm1.running_mean",
            "features.denseblock1.denselayer1.conv1.weight", "features.denseblock1.denselayer1.norm2.bias",
            "features.denseblock1.denselayer1.conv2.weight", "features.denseblock3.denselayer6.conv2.weight",
            "features.transition1.norm.weight", "features.transition1.conv.weight", "features.transition2.conv.weight",
            "features.norm5.weight", "features.norm5.running_var",
            "classifier.weight", "classifier.bias");
        AssertLacks(keys, "features.denseblock1.denselayer7.conv1.weight", "features.transition3.conv.weight",
            "features.norm0.weight", "features.denseblock1.denselayer0.conv1.weight");
    }

    [TestMethod]
    [DataRow("PreActResNet-8")]
    [DataRow("WRN-10-2")]
    [DataRow("DenseNetBC-10-8")]
    public void Keys_HaveNoHyphensAndNoConvolutionBias(string name)
    {
        foreach (var key in StateDictKeys(name))
        {
            Assert.IsFalse(key.Contains('-'), $"{name}: key '{key}' has a hyphen");
            Assert.IsFalse(key.Contains("conv", StringComparison.OrdinalIgnoreCase) && key.EndsWith(".bias"),
                $"{name}: convolution with a bias, '{key}'");
        }
    }

    private static HashSet<string> StateDictKeys(string name)
    {
        using var network = NetworkArchitecture.Parse(name).CreateNetwork(3, 10);
        var stateDict = network.state_dict();
        return [.. stateDict.Keys];
    }

    private static void AssertContains(HashSet<string> keys, params string[] expected)
    {
        foreach (var key in expected)
        {
            Assert.Contains(key, keys, $"missing state_dict key '{key}'");
        }
    }

    private static void AssertLacks(HashSet<string> keys, params string[] unexpected)
    {
        foreach (var key in unexpected)
        {
            Assert.DoesNotContain(key, keys, $"unexpected state_dict key '{key}'");
        }
    }
}
