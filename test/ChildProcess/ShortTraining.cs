using Microsoft.ML.BornAgain.Networks;

namespace Microsoft.ML.BornAgain.ChildProcess;

/// <summary>
/// A teacher and one student of a small network, one epoch each, on real images through the ML.NET pipeline: the
/// run the layout test watches with oneDNN's verbose log (which LibTorch reads from the environment when it loads,
/// hence a process of its own).
/// </summary>
public static class ShortTraining
{
    public sealed class Row
    {
        public string ImagePath { get; set; } = "";

        public string Label { get; set; } = "";
    }

    /// <param name="network">A network name, as <see cref="NetworkArchitecture.Parse"/> reads it.</param>
    /// <param name="channels">1 (the images converted to grayscale) or 3.</param>
    /// <param name="images">Image paths; each label is the name of the image's folder.</param>
    public static void Run(string network, int channels, IReadOnlyList<string> images)
    {
        var ml = new MLContext(seed: 1);
        var rows = images.Select(p => new Row { ImagePath = p, Label = Path.GetFileName(Path.GetDirectoryName(p)!) }).ToList();
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Colour", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.Transforms.ResizeImages("Resized", imageWidth: 16, imageHeight: 16, inputColumnName: "Colour"));
        IEstimator<ITransformer> withChannels = channels == 1
            ? pipeline.Append(ml.Transforms.ConvertToGrayscale("Image", "Resized"))
            : pipeline.Append(ml.Transforms.CopyColumns("Image", "Resized"));
        var options = new BornAgainTrainer.Options
        {
            Architecture = NetworkArchitecture.Parse(network),
            Generations = 1,
            EpochsPerGeneration = 1,
            BatchSize = 8,
            LearningRate = 0.05,
            NumberOfThreads = 2,
        };
        using var model = withChannels.Append(ml.BornAgain().Train(options)).Fit(ml.Data.LoadFromEnumerable(rows)).LastTransformer;
    }
}
