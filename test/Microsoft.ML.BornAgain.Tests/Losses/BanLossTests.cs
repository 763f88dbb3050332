using Microsoft.ML.BornAgain.Losses;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Losses;

/// <summary>BAN: cross-entropy with the teacher's distribution at T = 1 (paper Sec. 3.1, Eq. 2).</summary>
[TestClass]
[TestCategory(KernelPaths.Category)]
public sealed class BanLossTests
{
    [TestMethod]
    [DataRow(LossGolden.Ordinary)]
    [DataRow(LossGolden.Extreme)]
    public void Compute_MatchesPyTorchGoldenValueAndGradient(string setName)
    {
        var loss = new BanLoss();
        new LossGolden(setName).AssertMatches("Ban", loss.Compute);
    }

    [TestMethod]
    public void Compute_StudentEqualToTeacher_HasZeroGradientAndTeacherEntropyAsValue()
    {
        // Eq. 5: dL/dz_i = (q_i - p_i)/b vanishes when q = p; the minimum of CE(p, q) is the entropy H(p).
        using var scope = NewDisposeScope();
        var golden = new LossGolden(LossGolden.Ordinary);
        var studentLogits = golden.TeacherLogits().clone().requires_grad_(true);
        var teacherLogits = golden.TeacherLogits();

        var loss = new BanLoss().Compute(studentLogits, golden.Labels(), teacherLogits);
        loss.backward();

        var teacherProbabilities = teacherLogits.softmax(1);
        var meanEntropy = -(teacherProbabilities * teacherLogits.log_softmax(1)).sum(1).mean().item<float>();
        LossGolden.AssertClose(meanEntropy, loss.item<float>(), LossGolden.LossAbsoluteTolerance, "BAN at q = p");
        Assert.IsTrue(studentLogits.grad!.abs().max().item<float>() < 1e-6f, "The gradient must vanish at q = p.");
    }
}
