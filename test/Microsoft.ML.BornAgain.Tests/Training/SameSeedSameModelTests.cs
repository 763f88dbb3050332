using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Tests.MLNet;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Training;

/// <summary>
/// Same seed, same thread count: the same model, bit for bit. Each case trains a teacher and a student twice in one
/// process on real images, with augmentation and dropout drawing random numbers, and compares every weight and
/// batch-norm statistic of both generations.
/// </summary>
[TestClass]
public sealed class SameSeedSameModelTests
{
    [TestMethod]
    [TestCategory(KernelPaths.Category)]
    [DataRow("PreActResNet-8", 1)]
    [DataRow("PreActResNet-8", 3)]
    [DataRow("WRN-10-2-0.3", 1)]
    [DataRow("WRN-10-2-0.3", 3)]
    [DataRow("DenseNetBC-10-8-0.5-0.2", 1)]
    [DataRow("DenseNetBC-10-8-0.5-0.2", 3)]
    public void EveryFamily_TrainedTwice_SameWeightsBitForBit(string network, int channels) =>
        AssertSameModelTwice(network, channels, ColumnKind.Image);

    [TestMethod]
    [DataRow(ColumnKind.EncodedBytes, 1)]
    [DataRow(ColumnKind.EncodedBytes, 3)]
    [DataRow(ColumnKind.PixelVector, 1)]
    [DataRow(ColumnKind.PixelVector, 3)]
    public void EveryImageColumnKind_TrainedTwice_SameWeightsBitForBit(ColumnKind kind, int channels) =>
        AssertSameModelTwice("DenseNetBC-10-8-0.5-0.2", channels, kind);

    /// <summary>The image column types the trainer reads.</summary>
    public enum ColumnKind
    {
        Image,
        EncodedBytes,
        PixelVector,
    }

    private const int Side = 16;

    private static void AssertSameModelTwice(string network, int channels, ColumnKind kind)
    {
        using var first = Train(network, channels, kind);
        using var second = Train(network, channels, kind);

        Assert.HasCount(2, first.Generations);
        for (int g = 0; g < first.Generations.Count; g++)
        {
            var expected = first.Generations[g].Network.state_dict();
            var actual = second.Generations[g].Network.state_dict();
            CollectionAssert.AreEqual(expected.Keys.ToList(), actual.Keys.ToList());
            var different = TensorComparison.DifferingEntries(expected, actual);
            Assert.IsEmpty(different, $"{network}, {channels} channel(s), {kind}: generation {g} differs in {string.Join(", ", different.Take(5))} ({KernelPaths.Current})");
        }
    }

    private static BornAgainTransformer Train(string network, int channels, ColumnKind kind)
    {
        var ml = new MLContext(seed: 7);
        var data = ml.Data.LoadFromEnumerable(ImagePathRow.Load("train", 6));
        var options = new BornAgainTrainer.Options
        {
            Architecture = NetworkArchitecture.Parse(network),
            Generations = 1,
            EpochsPerGeneration = 1,
            BatchSize = 8,
            LearningRate = 0.05,
            NumberOfThreads = 2,
            ImageChannels = channels,
            ImageHeight = Side,
            ImageWidth = Side,
        };
        var labels = ml.Transforms.Conversion.MapValueToKey("Label");
        IEstimator<ITransformer> images = kind switch
        {
            ColumnKind.Image => labels.Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath")),
            ColumnKind.EncodedBytes => labels.Append(ml.Transforms.LoadRawImageBytes("Image", imageFolder: null, inputColumnName: "ImagePath")),
            _ => labels.Append(ml.Transforms.LoadImages("Loaded", imageFolder: null, inputColumnName: "ImagePath"))
                .Append(ml.Transforms.ResizeImages("Resized", Side, Side, "Loaded"))
                .Append(ml.Transforms.ConvertToGrayscale("Gray", "Resized"))
                .Append(ml.Transforms.ExtractPixels("Image", channels == 1 ? "Gray" : "Resized",
                    colorsToExtract: channels == 1 ? Transforms.Image.ImagePixelExtractingEstimator.ColorBits.Red : Transforms.Image.ImagePixelExtractingEstimator.ColorBits.Rgb)),
        };
        return images.Append(ml.BornAgain().Train(options)).Fit(data).LastTransformer;
    }
}
