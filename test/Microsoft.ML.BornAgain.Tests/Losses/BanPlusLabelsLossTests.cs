using Microsoft.ML.BornAgain.Losses;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Losses;

/// <summary>BAN+L: w · CE(labels) + (1 − w) · BAN (paper Sec. 3.1, Table 2).</summary>
[TestClass]
[TestCategory(KernelPaths.Category)]
public sealed class BanPlusLabelsLossTests
{
    [TestMethod]
    [DataRow(LossGolden.Ordinary)]
    [DataRow(LossGolden.Extreme)]
    public void Compute_MatchesPyTorchGoldenValueAndGradient(string setName)
    {
        var loss = new BanPlusLabelsLoss(LossGolden.LabelWeight);
        new LossGolden(setName).AssertMatches("BanPlusLabels", loss.Compute);
    }

    [TestMethod]
    [DataRow(LossGolden.Ordinary)]
    [DataRow(LossGolden.Extreme)]
    public void Compute_WeightZero_IsBanAndWeightOne_IsLabelCrossEntropy(string setName)
    {
        using var scope = NewDisposeScope();
        var golden = new LossGolden(setName);
        var (student, labels, teacher) = (golden.StudentLogits(requiresGrad: false), golden.Labels(), golden.TeacherLogits());

        var teacherOnly = new BanPlusLabelsLoss(0).Compute(student, labels, teacher).item<float>();
        var labelsOnly = new BanPlusLabelsLoss(1).Compute(student, labels, teacher).item<float>();

        LossGolden.AssertClose(golden.Loss("Ban"), teacherOnly, 1e-4, "w = 0");
        LossGolden.AssertClose(golden.Loss("Label"), labelsOnly, 1e-4, "w = 1");
    }
}
