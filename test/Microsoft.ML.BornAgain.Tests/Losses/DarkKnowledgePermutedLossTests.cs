using Microsoft.ML.BornAgain.Losses;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Losses;

/// <summary>
/// DKPP (paper Sec. 3.2, Eq. 11). The loss step is checked against golden values with a fixed permutation; the random
/// permutation step is checked by its properties.
/// </summary>
[TestClass]
[TestCategory(KernelPaths.Category)]
public sealed class DarkKnowledgePermutedLossTests
{
    [TestMethod]
    [DataRow(LossGolden.Ordinary)]
    [DataRow(LossGolden.Extreme)]
    public void LossStep_WithFixedPermutation_MatchesPyTorchGoldenValueAndGradient(string setName)
    {
        var golden = new LossGolden(setName);
        golden.AssertMatches("Dkpp", (studentLogits, labels, teacherLogits) =>
        {
            var permutedTarget = teacherLogits.detach().softmax(1).gather(1, golden.DkppSourcePositions());
            LossGolden.AssertMatrixClose(golden.DkppPermutedTarget, permutedTarget, 1e-6, "permuted target");
            return StudentLoss.SoftTargetCrossEntropy(studentLogits, permutedTarget);
        });
    }

    [TestMethod]
    public void Permutation_KeepsArgmaxAndRowValues()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed: 7);
        var probabilities = randn(64, 10, generator: generator).mul(3).softmax(1);         // [64, 10]

        var permuted = DarkKnowledgePermutedLoss.PermuteAllButArgmax(probabilities, generator);

        Assert.IsTrue(permuted.argmax(1).Equals(probabilities.argmax(1)), "argmax position moved");
        Assert.IsTrue(permuted.max(1).values.Equals(probabilities.max(1).values), "argmax value changed");
        // Same multiset of values per row: sorting both must give identical rows (values are moved, never recomputed).
        Assert.IsTrue(permuted.sort(1).Values.Equals(probabilities.sort(1).Values), "row values changed");
        Assert.IsTrue(permuted.sum(1).allclose(ones(64), atol: 1e-6), "rows must still sum to 1");
        Assert.IsFalse(permuted.Equals(probabilities), "nothing was permuted");
    }

    [TestMethod]
    public void Permutation_IsFreshPerSampleAndPerCall()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed: 11);
        // 32 copies of one row with 8 distinct values: 7! = 5040 possible permutations of the non-argmax part.
        var row = tensor(new[] { 0.30f, 0.20f, 0.15f, 0.12f, 0.10f, 0.07f, 0.04f, 0.02f });
        var probabilities = row.expand(32, 8).contiguous();

        var first = DarkKnowledgePermutedLoss.PermuteAllButArgmax(probabilities, generator);
        var second = DarkKnowledgePermutedLoss.PermuteAllButArgmax(probabilities, generator);

        Assert.IsTrue(DistinctRowCount(first) > 16, "samples of one batch must get independent permutations");
        Assert.IsFalse(first.Equals(second), "each call must draw new permutations");
    }

    [TestMethod]
    public void Permutation_SameSeedSamePermutation_OtherSeedOtherPermutation()
    {
        using var scope = NewDisposeScope();
        var probabilities = randn(16, 10, generator: new Generator(seed: 3)).softmax(1);

        Tensor PermuteWithSeed(ulong seed)
        {
            using var generator = new Generator(seed);
            return DarkKnowledgePermutedLoss.PermuteAllButArgmax(probabilities, generator);
        }

        Assert.IsTrue(PermuteWithSeed(42).Equals(PermuteWithSeed(42)), "same seed, different permutation");
        Assert.IsFalse(PermuteWithSeed(42).Equals(PermuteWithSeed(43)), "different seeds, same permutation");
    }

    [TestMethod]
    public void Permutation_IsUniformOverTheNonArgmaxPositions()
    {
        // 4000 draws of one 5-class row whose argmax is class 2: each non-argmax position must receive each of the
        // 4 other values about 1000 times (binomial sd ≈ 27, so [850, 1150] is more than 5 sd wide).
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed: 5);
        var values = new[] { 0.1f, 0.2f, 0.4f, 0.05f, 0.25f };
        var probabilities = tensor(values).expand(4000, 5).contiguous();

        var permuted = DarkKnowledgePermutedLoss.PermuteAllButArgmax(probabilities, generator).data<float>().ToArray();

        foreach (var position in new[] { 0, 1, 3, 4 })
        {
            foreach (var value in new[] { 0.1f, 0.2f, 0.05f, 0.25f })
            {
                var count = Enumerable.Range(0, 4000).Count(sample => permuted[sample * 5 + position] == value);
                Assert.IsTrue(count is >= 850 and <= 1150, $"value {value} at position {position}: {count} of 4000");
            }

            Assert.IsFalse(Enumerable.Range(0, 4000).Any(sample => permuted[sample * 5 + position] == 0.4f),
                "the argmax value left its position");
        }
    }

    [TestMethod]
    public void Compute_TwoClasses_IsBan()
    {
        // With two classes the only non-argmax value has nowhere to go: DKPP's target is the teacher's distribution.
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed: 1);
        var studentLogits = randn(8, 2, generator: generator);
        var teacherLogits = randn(8, 2, generator: generator);
        var labels = zeros(8, ScalarType.Int64);

        var dkpp = new DarkKnowledgePermutedLoss(generator).Compute(studentLogits, labels, teacherLogits).item<float>();
        var ban = new BanLoss().Compute(studentLogits, labels, teacherLogits).item<float>();

        LossGolden.AssertClose(ban, dkpp, 1e-6, "DKPP with 2 classes");
    }

    [TestMethod]
    public void Compute_SameSeed_GivesTheSameLossSequence()
    {
        using var scope = NewDisposeScope();
        var golden = new LossGolden(LossGolden.Ordinary);
        using var firstGenerator = new Generator(seed: 9);
        using var secondGenerator = new Generator(seed: 9);
        var first = new DarkKnowledgePermutedLoss(firstGenerator);
        var second = new DarkKnowledgePermutedLoss(secondGenerator);

        for (var call = 0; call < 3; call++)
        {
            var a = first.Compute(golden.StudentLogits(), golden.Labels(), golden.TeacherLogits()).item<float>();
            var b = second.Compute(golden.StudentLogits(), golden.Labels(), golden.TeacherLogits()).item<float>();
            Assert.AreEqual(a, b, $"call {call}");
        }
    }

    private static int DistinctRowCount(Tensor matrix)
    {
        var columns = (int)matrix.shape[1];
        var values = matrix.data<float>().ToArray();
        return values.Chunk(columns).Select(row => string.Join(",", row)).Distinct().Count();
    }
}
