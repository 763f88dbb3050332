using Microsoft.ML.BornAgain.Networks;

namespace Microsoft.ML.BornAgain.Tests.Networks;

/// <summary>Names, parsing and argument rules of <see cref="NetworkArchitecture"/> (no native code needed).</summary>
[TestClass]
public sealed class NetworkArchitectureTests
{
    [TestMethod]
    [DataRow("PreActResNet-20")]
    [DataRow("PreActResNet-8")]
    [DataRow("PreActResNet-110-2")]
    [DataRow("WRN-28-10")]
    [DataRow("WRN-10-1")]
    [DataRow("WRN-28-10-0.3")]
    [DataRow("WRN-16-8-1E-05")]
    [DataRow("DenseNetBC-100-12")]
    [DataRow("DenseNetBC-10-8")]
    [DataRow("DenseNetBC-190-40-0.75")]
    [DataRow("DenseNetBC-100-12-0.5-0.2")]
    [DataRow("DenseNetBC-100-12-1")]
    public void Parse_CanonicalName_RoundTripsThroughToString(string name)
    {
        var architecture = NetworkArchitecture.Parse(name);

        Assert.AreEqual(name, architecture.ToString());
        Assert.AreEqual(architecture, NetworkArchitecture.Parse(architecture.ToString()));
    }

    [TestMethod]
    public void Parse_IgnoresCaseAndGivesTheFactoryValue()
    {
        Assert.AreEqual(NetworkArchitecture.PreActResNet(20), NetworkArchitecture.Parse("preactresnet-20"));
        Assert.AreEqual(NetworkArchitecture.PreActResNet(20, 2), NetworkArchitecture.Parse("PREACTRESNET-20-2"));
        Assert.AreEqual(NetworkArchitecture.WideResNet(28, 10), NetworkArchitecture.Parse("wrn-28-10"));
        Assert.AreEqual(NetworkArchitecture.WideResNet(28, 10, 0.3), NetworkArchitecture.Parse("Wrn-28-10-0.3"));
        Assert.AreEqual(NetworkArchitecture.DenseNetBC(100, 12), NetworkArchitecture.Parse("densenetbc-100-12"));
        Assert.AreEqual(NetworkArchitecture.DenseNetBC(100, 12, 0.5, 0.2), NetworkArchitecture.Parse("DenseNetBC-100-12-0.5-0.2"));
    }

    [TestMethod]
    public void ToString_LeavesOutDefaults()
    {
        Assert.AreEqual("PreActResNet-20", NetworkArchitecture.PreActResNet().ToString());
        Assert.AreEqual("WRN-28-10", NetworkArchitecture.Parse("WRN-28-10-0").ToString());
        Assert.AreEqual("DenseNetBC-100-12", NetworkArchitecture.Parse("DenseNetBC-100-12-0.5").ToString());
        Assert.AreEqual("DenseNetBC-100-12-0.5-0.2", NetworkArchitecture.DenseNetBC(100, 12, dropoutRate: 0.2).ToString());
    }

    [TestMethod]
    public void Properties_FollowTheContract()
    {
        var resNet = NetworkArchitecture.PreActResNet(32, 2);
        Assert.AreEqual((NetworkFamily.PreActResNet, 32, 2, 0, 0.0, 0.0),
            (resNet.Family, resNet.Depth, resNet.WidthFactor, resNet.GrowthRate, resNet.Compression, resNet.DropoutRate));

        var wide = NetworkArchitecture.WideResNet(28, 10, 0.3);
        Assert.AreEqual((NetworkFamily.WideResNet, 28, 10, 0, 0.0, 0.3),
            (wide.Family, wide.Depth, wide.WidthFactor, wide.GrowthRate, wide.Compression, wide.DropoutRate));

        var dense = NetworkArchitecture.DenseNetBC(100, 12);
        Assert.AreEqual((NetworkFamily.DenseNetBC, 100, 1, 12, 0.5, 0.0),
            (dense.Family, dense.Depth, dense.WidthFactor, dense.GrowthRate, dense.Compression, dense.DropoutRate));
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("WRN")]
    [DataRow("WRN-28")]
    [DataRow("ResNet-20")]
    [DataRow(" WRN-28-10")]
    [DataRow("WRN-28-10-0.3-1")]
    [DataRow("WRN-28-x")]
    [DataRow("WRN-+28-10")]
    [DataRow("WRN-28-10-0,3")]
    [DataRow("PreActResNet-20-2-0.3")]
    [DataRow("DenseNet-BC-100-12")]
    [DataRow("DenseNetBC-100-12-0.5-0.2-1")]
    [DataRow("WRN-99999999999-1")]
    public void Parse_UnknownForm_ThrowsFormatExceptionNamingInputAndForms(string name)
    {
        var error = Assert.ThrowsExactly<FormatException>(() => NetworkArchitecture.Parse(name));

        StringAssert.Contains(error.Message, $"'{name}'");
        StringAssert.Contains(error.Message, "WRN-<depth>-<widenFactor>[-<dropoutRate>]");
        StringAssert.Contains(error.Message, "DenseNetBC-<depth>-<growthRate>[-<compression>[-<dropoutRate>]]");
    }

    [TestMethod]
    [DataRow("WRN-27-10", "depth must be 6n+4 with n >= 1 for WRN, got 27")]
    [DataRow("WRN-28-0", "widenFactor must be at least 1, got 0")]
    [DataRow("WRN-28-10-1", "dropoutRate must be in [0, 1), got 1")]
    [DataRow("PreActResNet-21", "depth must be 6n+2 with n >= 1 for PreActResNet, got 21")]
    [DataRow("DenseNetBC-100-12-1.5", "compression must be in (0, 1], got 1.5")]
    [DataRow("DenseNetBC-4-12", "depth must be at least 10 for DenseNetBC (floor((depth - 4) / 6) >= 1 layers per block), got 4")]
    public void Parse_NameBreakingAFactoryRule_ThrowsFormatExceptionWithTheRule(string name, string rule)
    {
        var error = Assert.ThrowsExactly<FormatException>(() => NetworkArchitecture.Parse(name));

        StringAssert.Contains(error.Message, $"'{name}'");
        StringAssert.Contains(error.Message, rule);
        Assert.IsInstanceOfType<ArgumentOutOfRangeException>(error.InnerException);
    }

    [TestMethod]
    public void Parse_Null_ThrowsArgumentNullException() =>
        Assert.ThrowsExactly<ArgumentNullException>(() => NetworkArchitecture.Parse(null!));

    [TestMethod]
    public void Factories_BrokenRule_ThrowArgumentOutOfRangeNamingArgumentRuleAndValue()
    {
        AssertRule(() => NetworkArchitecture.WideResNet(27, 10), "depth", "depth must be 6n+4 with n >= 1 for WRN, got 27");
        AssertRule(() => NetworkArchitecture.WideResNet(4, 10), "depth", "depth must be 6n+4 with n >= 1 for WRN, got 4");
        AssertRule(() => NetworkArchitecture.WideResNet(28, 0), "widenFactor", "widenFactor must be at least 1, got 0");
        AssertRule(() => NetworkArchitecture.WideResNet(28, 10, -0.1), "dropoutRate", "dropoutRate must be in [0, 1), got -0.1");
        AssertRule(() => NetworkArchitecture.WideResNet(28, 10, double.NaN), "dropoutRate", "dropoutRate must be in [0, 1), got NaN");
        AssertRule(() => NetworkArchitecture.PreActResNet(2), "depth", "depth must be 6n+2 with n >= 1 for PreActResNet, got 2");
        AssertRule(() => NetworkArchitecture.PreActResNet(22), "depth", "depth must be 6n+2 with n >= 1 for PreActResNet, got 22");
        AssertRule(() => NetworkArchitecture.PreActResNet(20, -1), "widthFactor", "widthFactor must be at least 1, got -1");
        AssertRule(() => NetworkArchitecture.DenseNetBC(9, 12), "depth", "depth must be at least 10 for DenseNetBC (floor((depth - 4) / 6) >= 1 layers per block), got 9");
        AssertRule(() => NetworkArchitecture.DenseNetBC(100, 0), "growthRate", "growthRate must be at least 1, got 0");
        AssertRule(() => NetworkArchitecture.DenseNetBC(100, 12, 0), "compression", "compression must be in (0, 1], got 0");
        AssertRule(() => NetworkArchitecture.DenseNetBC(100, 12, 1.01), "compression", "compression must be in (0, 1], got 1.01");
        AssertRule(() => NetworkArchitecture.DenseNetBC(10, 1, 0.01), "compression", "leaves a transition of DenseNetBC-10-1 with no channel");
        AssertRule(() => NetworkArchitecture.DenseNetBC(100, 12, 0.5, 1), "dropoutRate", "dropoutRate must be in [0, 1), got 1");
    }

    [TestMethod]
    public void CreateNetwork_BadCounts_ThrowArgumentOutOfRangeBeforeBuildingAnything()
    {
        var architecture = NetworkArchitecture.PreActResNet(8);

        AssertRule(() => architecture.CreateNetwork(0, 10), "inputChannels", "inputChannels must be at least 1, got 0");
        AssertRule(() => architecture.CreateNetwork(3, -5), "classCount", "classCount must be at least 1, got -5");
    }

    private static void AssertRule(Func<object> action, string parameterName, string rule)
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(action);
        Assert.AreEqual(parameterName, error.ParamName);
        StringAssert.Contains(error.Message, rule);
    }
}
