using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

internal static class TensorComparison
{
    /// <summary>True when both tensors have the same shape and every element is equal (TorchSharp's equal is element-wise).</summary>
    public static bool SameAs(this Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
    }
}
