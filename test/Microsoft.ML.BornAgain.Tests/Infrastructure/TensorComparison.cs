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

    /// <summary>The names of <paramref name="expected"/>'s entries that <paramref name="actual"/> does not hold the same (see <see cref="SameAs"/>).</summary>
    public static List<string> DifferingEntries(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual) =>
        expected.Keys.Where(name => !expected[name].SameAs(actual[name])).ToList();
}
