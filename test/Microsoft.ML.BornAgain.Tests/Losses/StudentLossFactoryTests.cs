using Microsoft.ML.BornAgain.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Losses;

/// <summary><see cref="StudentLoss.Create"/>: option checks, kind dispatch, shape checks, tensor lifetime.</summary>
[TestClass]
public sealed class StudentLossFactoryTests
{
    [TestMethod]
    public void EveryKind_IsImplementedByTheClassOfTheSameName()
    {
        // The enum a user reads and the classes behind it use the same names: BornAgainLoss.X is XLoss.
        using var generator = new Generator(seed: 1);
        foreach (var kind in Enum.GetValues<BornAgainLoss>())
            Assert.AreEqual(kind + "Loss", StudentLoss.Create(kind, 0.5, 4, generator).GetType().Name);
    }

    [TestMethod]
    [DataRow(BornAgainLoss.Ban, typeof(BanLoss))]
    [DataRow(BornAgainLoss.BanPlusLabels, typeof(BanPlusLabelsLoss))]
    [DataRow(BornAgainLoss.HintonDistillation, typeof(HintonDistillationLoss))]
    [DataRow(BornAgainLoss.ConfidenceWeightedByTeacherMax, typeof(ConfidenceWeightedByTeacherMaxLoss))]
    [DataRow(BornAgainLoss.DarkKnowledgePermuted, typeof(DarkKnowledgePermutedLoss))]
    public void Create_ReturnsTheLossOfTheKind(BornAgainLoss kind, Type expected)
    {
        using var generator = new Generator(seed: 1);
        Assert.IsInstanceOfType(StudentLoss.Create(kind, 0.5, 4, generator), expected);
    }

    [TestMethod]
    [DataRow(BornAgainLoss.BanPlusLabels, "BanPlusLabels")]
    [DataRow(BornAgainLoss.HintonDistillation, "Distillation")]
    public void Create_PassesLabelWeightAndTemperature(BornAgainLoss kind, string goldenName)
    {
        using var generator = new Generator(seed: 1);
        var loss = StudentLoss.Create(kind, LossGolden.LabelWeight, LossGolden.Temperature, generator);
        new LossGolden(LossGolden.Ordinary).AssertMatches(goldenName, loss.Compute);
    }

    [TestMethod]
    [DataRow(-0.01)]
    [DataRow(1.01)]
    [DataRow(double.NaN)]
    public void Create_LabelWeightOutsideZeroToOne_Throws(double labelWeight)
    {
        using var generator = new Generator(seed: 1);
        var exception = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => StudentLoss.Create(BornAgainLoss.BanPlusLabels, labelWeight, 1, generator));

        Assert.AreEqual("labelWeight", exception.ParamName);
        StringAssert.Contains(exception.Message, "[0, 1]");
        StringAssert.Contains(exception.Message, labelWeight.ToString());
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(-2.0)]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    public void Create_TemperatureNotPositiveAndFinite_Throws(double temperature)
    {
        using var generator = new Generator(seed: 1);
        var exception = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => StudentLoss.Create(BornAgainLoss.HintonDistillation, 0.5, temperature, generator));

        Assert.AreEqual("temperature", exception.ParamName);
        StringAssert.Contains(exception.Message, "greater than 0");
        StringAssert.Contains(exception.Message, temperature.ToString());
    }

    [TestMethod]
    public void Create_UnknownKind_Throws()
    {
        using var generator = new Generator(seed: 1);
        var exception = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => StudentLoss.Create((BornAgainLoss)99, 0.5, 1, generator));

        Assert.AreEqual("kind", exception.ParamName);
    }

    [TestMethod]
    public void Compute_TeacherShapeDiffersFromStudent_ThrowsNamingTeacherLogits()
    {
        using var scope = NewDisposeScope();
        var loss = new BanLoss();
        var exception = Assert.ThrowsExactly<ArgumentException>(
            () => loss.Compute(zeros(4, 5), zeros(4, ScalarType.Int64), zeros(4, 6)));

        Assert.AreEqual("teacherLogits", exception.ParamName);
        StringAssert.Contains(exception.Message, "[4, 6]");
    }

    [TestMethod]
    public void Compute_LabelsNotInt64_ThrowsNamingLabels()
    {
        using var scope = NewDisposeScope();
        var loss = new ConfidenceWeightedByTeacherMaxLoss();
        var exception = Assert.ThrowsExactly<ArgumentException>(
            () => loss.Compute(zeros(4, 5), zeros(4, ScalarType.Int32), zeros(4, 5)));

        Assert.AreEqual("labels", exception.ParamName);
    }

    [TestMethod]
    [DataRow(BornAgainLoss.Ban)]
    [DataRow(BornAgainLoss.BanPlusLabels)]
    [DataRow(BornAgainLoss.HintonDistillation)]
    [DataRow(BornAgainLoss.ConfidenceWeightedByTeacherMax)]
    [DataRow(BornAgainLoss.DarkKnowledgePermuted)]
    public void Compute_LeavesOnlyTheResultAlive(BornAgainLoss kind)
    {
        using var generator = new Generator(seed: 1);
        var loss = StudentLoss.Create(kind, 0.5, 2, generator);
        var golden = new LossGolden(LossGolden.Ordinary);
        using var studentLogits = golden.StudentLogits();
        using var labels = golden.Labels();
        using var teacherLogits = golden.TeacherLogits();
        var liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        using (var result = loss.Compute(studentLogits, labels, teacherLogits))
        {
            Assert.AreEqual(liveBefore + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount,
                "Compute must free every temporary and hand out only its result.");
        }

        Assert.AreEqual(liveBefore, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
