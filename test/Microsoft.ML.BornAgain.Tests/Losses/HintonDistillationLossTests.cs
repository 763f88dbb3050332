using Microsoft.ML.BornAgain.Losses;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Losses;

/// <summary>Hinton KD: α · CE(labels) + (1 − α) · T² · KL(p^T ‖ q^T) with KL averaged over the batch only.</summary>
[TestClass]
[TestCategory(KernelPaths.Category)]
public sealed class HintonDistillationLossTests
{
    [TestMethod]
    [DataRow(LossGolden.Ordinary)]
    [DataRow(LossGolden.Extreme)]
    public void Compute_MatchesPyTorchGoldenValueAndGradient(string setName)
    {
        var loss = new HintonDistillationLoss(LossGolden.LabelWeight, LossGolden.Temperature);
        new LossGolden(setName).AssertMatches("Distillation", loss.Compute);
    }

    [TestMethod]
    [DataRow(LossGolden.Ordinary)]
    [DataRow(LossGolden.Extreme)]
    public void Compute_UsesBatchMean_NotPyTorchDefaultMean(string setName)
    {
        // PyTorch's default KL reduction "mean" divides by batch x classes. The golden file holds that wrong value too;
        // the implementation must land on "batchmean" and be far from "mean".
        using var scope = NewDisposeScope();
        var golden = new LossGolden(setName);
        var loss = new HintonDistillationLoss(LossGolden.LabelWeight, LossGolden.Temperature)
            .Compute(golden.StudentLogits(), golden.Labels(), golden.TeacherLogits()).item<float>();

        var distanceToMean = Math.Abs(loss - golden.Loss("DistillationWithMeanReduction"));
        Assert.IsTrue(distanceToMean > 1000 * LossGolden.LossAbsoluteTolerance,
            $"The loss {loss} equals the 'mean'-reduction value {golden.Loss("DistillationWithMeanReduction")}.");
        LossGolden.AssertClose(golden.Loss("Distillation"), loss, 1e-4, "batchmean distillation");
    }

    [TestMethod]
    public void Compute_AlphaZeroTemperatureOne_IsBanMinusTeacherEntropy()
    {
        // KL(p ‖ q) = CE(p, q) − H(p), each averaged over the batch. With "mean" the KL would be n times smaller.
        using var scope = NewDisposeScope();
        var golden = new LossGolden(LossGolden.Ordinary);
        var (student, labels, teacher) = (golden.StudentLogits(requiresGrad: false), golden.Labels(), golden.TeacherLogits());

        var distillation = new HintonDistillationLoss(0, 1).Compute(student, labels, teacher).item<float>();
        var ban = new BanLoss().Compute(student, labels, teacher).item<float>();
        var teacherEntropy = -(teacher.softmax(1) * teacher.log_softmax(1)).sum(1).mean().item<float>();

        LossGolden.AssertClose(ban - teacherEntropy, distillation, LossGolden.LossAbsoluteTolerance, "KL at T = 1");
    }

    [TestMethod]
    public void Compute_AlphaOne_IsLabelCrossEntropyWhateverTheTemperature()
    {
        using var scope = NewDisposeScope();
        var golden = new LossGolden(LossGolden.Ordinary);
        var loss = new HintonDistillationLoss(1, 20)
            .Compute(golden.StudentLogits(), golden.Labels(), golden.TeacherLogits()).item<float>();

        LossGolden.AssertClose(golden.Loss("Label"), loss, LossGolden.LossAbsoluteTolerance, "alpha = 1");
    }
}
