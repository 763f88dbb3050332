using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Training;

namespace Microsoft.ML.BornAgain.Tests.Training;

/// <summary>
/// The spans a training run reports (<see cref="TrainingActivities"/>): the benchmark's breakdown of where a run's
/// time goes reads them, so each must appear as often as its part of the run happens.
/// </summary>
[TestClass]
public sealed class TrainingActivitiesTests
{
    [TestMethod]
    public void Train_WithListener_ReportsEveryPartOfTheRun()
    {
        using var train = TestImages.Dataset("train", TestImages.ThreeClasses, 40); // 120 images: 4 steps of 32
        using var validation = TestImages.Dataset("test", TestImages.ThreeClasses, 10);
        string checkpoints = Path.Combine(Path.GetTempPath(), "bornagain-activities-" + Guid.NewGuid().ToString("N"));
        var names = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TrainingActivities.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity => names.Enqueue(activity.OperationName),
        };
        ActivitySource.AddActivityListener(listener);
        try
        {
            var options = new BornAgainTrainingOptions
            {
                Architecture = NetworkArchitecture.PreActResNet(8),
                Generations = 1,
                EpochsPerGeneration = 2,
                BatchSize = 32,
                Seed = 3,
                NumberOfThreads = 2,
                RandomCropPadding = 0, // no augmentation: the student's teacher logits are computed once
                HorizontalFlip = false,
                CheckpointDirectory = checkpoints,
            };
            using var model = BornAgainTraining.Train(train, validation, options);
        }
        finally
        {
            Directory.Delete(checkpoints, recursive: true);
        }

        var counts = names.GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
        int Count(string name) => counts.GetValueOrDefault(name);
        Assert.AreEqual(2, Count(TrainingActivities.PrepareData), "data checks, then normalization");
        Assert.AreEqual(2, Count(TrainingActivities.CreateNetwork), "teacher and student");
        Assert.AreEqual(1, Count(TrainingActivities.TeacherLogits), "the student's cached teacher logits");
        Assert.AreEqual(2 * 2 * 4, Count(TrainingActivities.Augment), "one augmentation call per step");
        Assert.AreEqual(2 * 2, Count(TrainingActivities.Collect), "one collection every 4 steps");
        Assert.AreEqual(2 * 2, Count(TrainingActivities.Evaluate), "validation after every epoch");
        Assert.AreEqual(2 * 2, Count(TrainingActivities.Checkpoint), "a checkpoint after every epoch");
        if (OperatingSystem.IsLinux())
            Assert.AreEqual(2 * 2, Count(TrainingActivities.MallocTrim), "malloc_trim after every epoch");
    }
}
