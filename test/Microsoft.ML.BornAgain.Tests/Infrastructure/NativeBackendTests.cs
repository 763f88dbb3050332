using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

/// <summary>Proves that LibTorch's native library loads in the test output folder and computes.</summary>
[TestClass]
public sealed class NativeBackendTests
{
    [TestMethod]
    public void NativeBackend_LoadsAndComputesForwardAndBackward()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1f, 2f, 3f }, requires_grad: true);
        var y = (x * x).sum();                       // y = sum(x^2), dy/dx = 2x
        y.backward();

        Assert.AreEqual(14f, y.item<float>(), 1e-6f);
        CollectionAssert.AreEqual(new[] { 2f, 4f, 6f }, x.grad!.data<float>().ToArray());
    }
}
