using Microsoft.ML.BornAgain.Losses;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Losses;

/// <summary>Generation 0: cross-entropy with the labels, optionally label-smoothed.</summary>
[TestClass]
[TestCategory(KernelPaths.Category)]
public sealed class LabelLossTests
{
    [TestMethod]
    [DataRow(LossGolden.Ordinary)]
    [DataRow(LossGolden.Extreme)]
    public void Compute_MatchesPyTorchGoldenValueAndGradient(string setName)
    {
        var loss = new LabelLoss(0);
        new LossGolden(setName).AssertMatches("Label", (logits, labels, _) => loss.Compute(logits, labels));
    }

    [TestMethod]
    [DataRow(LossGolden.Ordinary)]
    [DataRow(LossGolden.Extreme)]
    public void Compute_WithLabelSmoothing_MatchesPyTorchGoldenValueAndGradient(string setName)
    {
        var loss = new LabelLoss(LossGolden.LabelSmoothing);
        new LossGolden(setName).AssertMatches("LabelSmoothed", (logits, labels, _) => loss.Compute(logits, labels));
    }

    [TestMethod]
    [DataRow(-0.1)]
    [DataRow(1.0)]
    [DataRow(double.NaN)]
    public void Constructor_SmoothingOutsideZeroToOne_Throws(double labelSmoothing)
    {
        var exception = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LabelLoss(labelSmoothing));

        Assert.AreEqual("labelSmoothing", exception.ParamName);
        StringAssert.Contains(exception.Message, "[0, 1)");
        StringAssert.Contains(exception.Message, labelSmoothing.ToString());
    }
}
