using Microsoft.ML.BornAgain.Losses;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Losses;

/// <summary>CWTM: label CE weighted per sample by the teacher's normalized max probability (paper Eq. 10).</summary>
[TestClass]
[TestCategory(KernelPaths.Category)]
public sealed class ConfidenceWeightedByTeacherMaxLossTests
{
    [TestMethod]
    [DataRow(LossGolden.Ordinary)]
    [DataRow(LossGolden.Extreme)]
    public void Compute_MatchesPyTorchGoldenValueAndGradient(string setName)
    {
        var loss = new ConfidenceWeightedByTeacherMaxLoss();
        new LossGolden(setName).AssertMatches("Cwtm", loss.Compute);
    }

    [TestMethod]
    [DataRow(LossGolden.Ordinary)]
    [DataRow(LossGolden.Extreme)]
    public void TeacherConfidenceWeights_SumToOneAndMatchGolden(string setName)
    {
        using var scope = NewDisposeScope();
        var golden = new LossGolden(setName);
        var weights = ConfidenceWeightedByTeacherMaxLoss.TeacherConfidenceWeights(golden.TeacherLogits());

        LossGolden.AssertClose(1, weights.sum().item<float>(), 1e-6, "sum of the weights");
        LossGolden.AssertMatrixClose([golden.CwtmWeights], weights.unsqueeze(0), 1e-6, "weights");
    }

    [TestMethod]
    public void TeacherConfidenceWeights_UseTheTeacherMaxEvenWhenTheTeacherIsWrong()
    {
        // In the ordinary set the teacher predicts class 2 for sample 2, whose label is 1.
        using var scope = NewDisposeScope();
        var golden = new LossGolden(LossGolden.Ordinary);
        var teacherProbabilities = golden.TeacherLogits().softmax(1);                       // [4, 5]
        Assert.AreEqual(2L, teacherProbabilities[2].argmax().item<long>());
        Assert.AreEqual(1L, golden.Labels()[2].item<long>());

        var weights = ConfidenceWeightedByTeacherMaxLoss.TeacherConfidenceWeights(golden.TeacherLogits());

        var maxima = teacherProbabilities.max(1).values;
        var expected = (maxima[2] / maxima.sum()).item<float>();
        var labelBased = (teacherProbabilities[2, 1] / maxima.sum()).item<float>();
        LossGolden.AssertClose(expected, weights[2].item<float>(), 1e-6, "weight of the wrongly taught sample");
        Assert.IsTrue(Math.Abs(labelBased - weights[2].item<float>()) > 0.05, "The weight must not use p of the label.");
    }

    [TestMethod]
    public void Compute_UniformTeacher_IsPlainLabelCrossEntropy()
    {
        // Equal confidences make every weight 1/b: CWTM reduces to the ordinary mean cross-entropy.
        using var scope = NewDisposeScope();
        var golden = new LossGolden(LossGolden.Ordinary);
        var loss = new ConfidenceWeightedByTeacherMaxLoss()
            .Compute(golden.StudentLogits(), golden.Labels(), zeros(4, 5)).item<float>();

        LossGolden.AssertClose(golden.Loss("Label"), loss, LossGolden.LossAbsoluteTolerance, "CWTM with uniform teacher");
    }
}
