using System.Reflection;
using Microsoft.ML.BornAgain.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

/// <summary>
/// No number reaches LibTorch as a Scalar that a garbage collection can free mid-call (see <see cref="TemporaryScalars"/>):
/// not from the library's own code, not from the TorchSharp methods it calls, not from the forward passes of the
/// TorchSharp layers its networks are built from.
/// </summary>
/// <remarks>
/// Such a scalar fails rarely and far from its cause, so the check is made on the code, where it cannot miss.
/// 800,000 calls of TorchSharp's <c>nn.init.constant_(weight, 1)</c>, in four processes sharing two cores, each with a
/// thread collecting garbage, failed twice with "Expected false to be true" from <c>c10::Scalar</c>. The library
/// initialised batch-norm scales that way; a DenseNet-BC test that failed on a loaded machine was first put down to it,
/// wrongly: its cause was oneDNN's padded convolution layout (see docs/reproducibility.md).
/// </remarks>
[TestClass]
public sealed class TemporaryScalarTests
{
    [TestMethod]
    public void Library_PassesNoTemporaryScalar()
    {
        var findings = IlCalls.MethodsWithBodies(typeof(BornAgainCatalog).Assembly)
            .SelectMany(TemporaryScalars.OfTorchSharp.Findings)
            .Distinct()
            .ToList();

        Assert.IsEmpty(findings, string.Join('\n', findings));
    }

    [TestMethod]
    [DataRow("PreActResNet-8")]
    [DataRow("WRN-10-2-0.3")]
    [DataRow("DenseNetBC-10-8-0.5-0.2")]
    public void NetworkLayers_MakeNoTemporaryScalar_InTheirForwardPass(string name)
    {
        using var network = NetworkArchitecture.Parse(name).CreateNetwork(3, 10);

        var offenders = network.modules()
            .Select(module => module.GetType())
            .Distinct()
            .Select(type => type.GetMethod("forward", [typeof(Tensor)]))
            .OfType<MethodInfo>()
            .Where(forward => forward.DeclaringType!.Assembly == typeof(torch).Assembly && TemporaryScalars.OfTorchSharp.MakesOne(forward))
            .Select(TemporaryScalars.Describe)
            .ToList();

        Assert.IsEmpty(offenders, $"{name}: {string.Join(", ", offenders)}");
    }

    [TestMethod]
    public void TheCheck_FindsTemporaries_AndAcceptsHeldScalars()
    {
        // TorchSharp's own: the batch-norm layer's batch count, and the alpha = 1 of a tensor addition.
        Assert.IsTrue(TemporaryScalars.OfTorchSharp.MakesOne(typeof(TorchSharp.Modules.BatchNorm2d).GetMethod("forward", [typeof(Tensor)])!));
        Assert.IsTrue(TemporaryScalars.OfTorchSharp.MakesOne(typeof(Tensor).GetMethod(nameof(Tensor.add), [typeof(Tensor)])!));
        Assert.IsFalse(TemporaryScalars.OfTorchSharp.MakesOne(typeof(Tensor).GetMethod(nameof(Tensor.add), [typeof(Tensor), typeof(Scalar)])!));

        Assert.HasCount(1, TemporaryScalars.OfTorchSharp.Findings(GetType().GetMethod(nameof(FillsWithANumber), BindingFlags.NonPublic | BindingFlags.Static)!));
        Assert.HasCount(1, TemporaryScalars.OfTorchSharp.Findings(GetType().GetMethod(nameof(AddsWithoutAlpha), BindingFlags.NonPublic | BindingFlags.Static)!));
        Assert.IsEmpty(TemporaryScalars.OfTorchSharp.Findings(GetType().GetMethod(nameof(FillsWithAHeldScalar), BindingFlags.NonPublic | BindingFlags.Static)!));
    }

    private static void FillsWithANumber(Tensor weight) => nn.init.constant_(weight, 1);

    private static Tensor AddsWithoutAlpha(Tensor a, Tensor b) => a.add(b);

    private static void FillsWithAHeldScalar(Tensor weight)
    {
        using Scalar one = 1;
        nn.init.constant_(weight, one);
    }
}
