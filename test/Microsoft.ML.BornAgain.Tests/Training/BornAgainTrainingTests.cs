using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Training;

/// <summary>The engine end to end on real CIFAR-10 images with a small network.</summary>
[TestClass]
public sealed class BornAgainTrainingTests
{
    private static ImageTensorDataset s_train = null!;
    private static ImageTensorDataset s_test = null!;

    [ClassInitialize]
    public static void LoadImages(TestContext _)
    {
        s_train = TestImages.Dataset("train", TestImages.ThreeClasses, 120);
        s_test = TestImages.Dataset("test", TestImages.ThreeClasses, 40);
    }

    [ClassCleanup]
    public static void FreeImages()
    {
        s_train.Dispose();
        s_test.Dispose();
    }

    private static BornAgainTrainingOptions SmallRun(int generations = 2, int epochs = 6) => new()
    {
        Architecture = NetworkArchitecture.PreActResNet(8),
        Generations = generations,
        EpochsPerGeneration = epochs,
        BatchSize = 32,
        LearningRate = 0.05,
        Schedule = LearningRateSchedule.Cosine,
        Seed = 7,
        NumberOfThreads = 2,
    };

    [TestMethod]
    public void Train_TeacherAndTwoGenerations_LearnWellAboveChance()
    {
        using var model = BornAgainTraining.Train(s_train, s_test, SmallRun());

        Assert.HasCount(3, model.Generations);
        foreach (var generation in model.Generations)
        {
            Assert.HasCount(6, generation.Epochs);
            var first = generation.Epochs[0];
            var last = generation.Epochs[^1];
            Assert.IsLessThan(first.TrainingLoss, last.TrainingLoss, $"{generation}: training loss must fall");
            // Three balanced classes: chance is 33%.
            Assert.IsGreaterThan(0.55, last.ValidationAccuracy!.Value, $"{generation}: validation accuracy {last.ValidationAccuracy}");
        }
    }

    [TestMethod]
    public void Train_SameSeedTwice_GivesIdenticalWeights()
    {
        var options = SmallRun(generations: 1, epochs: 2);
        using var first = BornAgainTraining.Train(s_train, null, options);
        using var second = BornAgainTraining.Train(s_train, null, options);

        for (int g = 0; g < 2; g++)
        {
            var a = first.Generations[g].Network.state_dict();
            var b = second.Generations[g].Network.state_dict();
            foreach (var (name, tensor) in a)
                Assert.IsTrue(tensor.SameAs(b[name]), $"generation {g} tensor {name} differs");
        }
    }

    [TestMethod]
    public void Train_DifferentSeeds_GiveDifferentWeights()
    {
        var options = SmallRun(generations: 0, epochs: 1);
        using var first = BornAgainTraining.Train(s_train, null, options);
        options.Seed = 8;
        using var second = BornAgainTraining.Train(s_train, null, options);

        var a = first.Generations[0].Network.parameters().First();
        var b = second.Generations[0].Network.parameters().First();
        Assert.IsFalse(a.SameAs(b));
    }

    [TestMethod]
    public void GenerationTrainer_StudentTraining_DoesNotModifyTheTeacher()
    {
        var options = SmallRun(generations: 1, epochs: 2);
        var normalization = ChannelNormalization.FromImages(s_train.Images);
        var trainer = new GenerationTrainer(options, s_train, null, normalization, CPU);
        var teacher = trainer.Train(0, null, seed: 1);
        var before = teacher.Network.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());

        var student = trainer.Train(1, teacher.Network, seed: 2);

        foreach (var (name, tensor) in teacher.Network.state_dict())
            Assert.IsTrue(tensor.SameAs(before[name]), $"teacher tensor {name} changed while the student trained");
        Assert.IsFalse(teacher.Network.training, "the teacher stays in evaluation mode");
        teacher.Network.Dispose();
        student.Network.Dispose();
    }

    [TestMethod]
    public void PredictProbabilities_SeveralGenerations_AveragesProbabilities()
    {
        using var model = BornAgainTraining.Train(s_train, null, SmallRun(generations: 2, epochs: 1));
        using var scope = NewDisposeScope();
        var images = s_test.Images.narrow(0, 0, 8);

        var p0 = model.PredictProbabilities(images, new[] { 0 });
        var p1 = model.PredictProbabilities(images, new[] { 1 });
        var p2 = model.PredictProbabilities(images, new[] { 2 });
        var ensemble = model.PredictProbabilities(images, new[] { 0, 1, 2 });

        Assert.IsTrue(ensemble.allclose((p0 + p1 + p2) / 3, rtol: 1e-5, atol: 1e-6));
        Assert.IsTrue(ensemble.sum(1).allclose(ones(8), atol: 1e-5), "rows are probability distributions");
        Assert.IsFalse(p0.allclose(p1), "generations are different networks");
    }

    [TestMethod]
    public void Train_ReportsEveryEpochAndBatch_ThroughCallbacks()
    {
        var epochs = new List<EpochMetrics>();
        int batches = 0;
        var options = SmallRun(generations: 1, epochs: 2);
        options.EpochCompleted = epochs.Add;
        options.BatchCompleted = _ => batches++;

        using var model = BornAgainTraining.Train(s_train, null, options);

        CollectionAssert.AreEqual(new[] { (0, 1), (0, 2), (1, 1), (1, 2) }, epochs.Select(e => (e.Generation, e.Epoch)).ToList());
        Assert.AreEqual(2 * 2 * (360 / 32 + 1), batches);
        Assert.IsTrue(epochs.All(e => e.ValidationAccuracy is null), "no validation data, no validation metrics");
    }

    [TestMethod]
    public void Train_Cancelled_ThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        var options = SmallRun(generations: 1, epochs: 2);
        options.CancellationToken = cancellation.Token;
        options.BatchCompleted = p => { if (p.Batch == 3) cancellation.Cancel(); };

        Assert.ThrowsExactly<OperationCanceledException>(() => BornAgainTraining.Train(s_train, null, options));
    }

    [TestMethod]
    public void Train_NonFiniteImages_AreRejectedBeforeTraining()
    {
        using var images = s_train.Images.clone();
        images[3, 1, 4, 4].fill_(float.NaN);
        using var data = new ImageTensorDataset(images.clone(), s_train.Labels.clone(), s_train.ClassCount);

        var error = Assert.ThrowsExactly<ArgumentException>(() => BornAgainTraining.Train(data, null, SmallRun()));
        StringAssert.Contains(error.Message, "NaN or infinite");
    }

    [TestMethod]
    public void Train_DivergingLearningRate_StopsWithGenerationEpochAndStep()
    {
        // Weight decay 0.99 at learning rate 10 multiplies every weight by -8.9 per step: the loss must blow up.
        var options = SmallRun(generations: 0, epochs: 5);
        options.LearningRate = 10;
        options.Schedule = LearningRateSchedule.Constant;
        options.WeightDecay = 0.99;

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => BornAgainTraining.Train(s_train, null, options));
        StringAssert.Contains(error.Message, "generation 0, epoch");
        StringAssert.Contains(error.Message, "step");
    }
}
