using Microsoft.ML.BornAgain.Training;

namespace Microsoft.ML.BornAgain.Tests.Training;

[TestClass]
public sealed class LearningRateScheduleTests
{
    [TestMethod]
    public void Step_TwoHundredEpochs_DecaysByFifthAtSixtyOneTwentyOneSixty()
    {
        var options = new BornAgainTrainingOptions { EpochsPerGeneration = 200, LearningRate = 0.1 };
        double At(int epoch) => LearningRateScheduler.LearningRateAt(options, epoch, 0, 100);

        Assert.AreEqual(0.1, At(0), 1e-12);
        Assert.AreEqual(0.1, At(59), 1e-12);
        Assert.AreEqual(0.02, At(60), 1e-12);
        Assert.AreEqual(0.004, At(120), 1e-12);
        Assert.AreEqual(0.0008, At(160), 1e-12);
        Assert.AreEqual(0.0008, At(199), 1e-12);
    }

    [TestMethod]
    public void Cosine_StartsAtInitial_HalfwayIsHalf_EndsNearZero()
    {
        var options = new BornAgainTrainingOptions { EpochsPerGeneration = 10, LearningRate = 0.2, Schedule = LearningRateSchedule.Cosine };

        Assert.AreEqual(0.2, LearningRateScheduler.LearningRateAt(options, 0, 0, 50), 1e-12);
        Assert.AreEqual(0.1, LearningRateScheduler.LearningRateAt(options, 5, 0, 50), 1e-12);
        Assert.IsLessThan(1e-3, LearningRateScheduler.LearningRateAt(options, 9, 49, 50));
    }

    [TestMethod]
    public void Constant_NeverChanges()
    {
        var options = new BornAgainTrainingOptions { Schedule = LearningRateSchedule.Constant, LearningRate = 0.03 };
        Assert.AreEqual(0.03, LearningRateScheduler.LearningRateAt(options, 9, 7, 8), 1e-12);
    }
}
