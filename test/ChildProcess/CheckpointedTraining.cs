
namespace Microsoft.ML.BornAgain.ChildProcess;

/// <summary>
/// The checkpoint test's training run, shared by the child process (which gets killed) and the test (which resumes
/// and which trains the uninterrupted reference): same data, same options, same seed.
/// </summary>
public static class CheckpointedTraining
{
    public sealed class Row
    {
        public string ImagePath { get; set; } = "";

        public string Label { get; set; } = "";
    }

    /// <param name="checkpointDirectory">The checkpoint folder, or null for an uninterrupted run without checkpoints.</param>
    /// <param name="images">Image paths; each label is the name of the image's folder.</param>
    /// <param name="epochCompleted">Called after every epoch.</param>
    public static BornAgainTransformer Fit(string? checkpointDirectory, IReadOnlyList<string> images, Action<EpochMetrics>? epochCompleted = null)
    {
        var ml = new MLContext(seed: 5);
        var rows = images.Select(p => new Row { ImagePath = p, Label = Path.GetFileName(Path.GetDirectoryName(p)!) }).ToList();
        var data = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Fit(ml.Data.LoadFromEnumerable(rows))
            .Transform(ml.Data.LoadFromEnumerable(rows));
        var options = new BornAgainTrainer.Options
        {
            Architecture = NetworkArchitecture.PreActResNet(8),
            Generations = 2,
            EpochsPerGeneration = 3,
            BatchSize = 16,
            LearningRate = 0.05,
            ImageHeight = 16,
            ImageWidth = 16,
            NumberOfThreads = 2,
            CheckpointDirectory = checkpointDirectory,
            EpochCompleted = epochCompleted,
        };
        return ml.BornAgain().Train(options).Fit(data);
    }
}
