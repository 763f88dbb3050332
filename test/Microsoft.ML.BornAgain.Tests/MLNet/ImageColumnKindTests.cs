using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.Tests.MLNet;

/// <summary>Every accepted image column type trains and scores; grayscale input gives a 1-channel network.</summary>
[TestClass]
public sealed class ImageColumnKindTests
{
    private static BornAgainTrainer.Options TeacherOnly() => TrainedPipeline.SmallOptions(generations: 0, epochs: 1);

    private static void AssertScores(MLContext ml, ITransformer model, IDataView data, int rows)
    {
        var scored = model.Transform(data);
        var scores = scored.GetColumn<VBuffer<float>>("Score").ToList();
        Assert.HasCount(rows, scores);
        foreach (var score in scores)
        {
            Assert.AreEqual(3, score.Length);
            Assert.AreEqual(1.0, score.DenseValues().Sum(), 1e-4);
        }
    }

    [TestMethod]
    public void EncodedBytes_FromLoadRawImageBytes_TrainsAndScores()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ImagePathRow.Load("train", 20));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadRawImageBytes("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.BornAgain().Train(TeacherOnly()));

        using var model = (IDisposable)pipeline.Fit(data);
        AssertScores(ml, (ITransformer)model, data, 60);
    }

    [TestMethod]
    public void EncodedBytes_FromAByteArrayField_TrainsAndScores()
    {
        var ml = new MLContext(seed: 1);
        var rows = ImagePathRow.Load("train", 20).Select(r => new ImageBytesRow { Image = File.ReadAllBytes(r.ImagePath), Label = r.Label }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.BornAgain().Train(TeacherOnly()));

        using var model = (IDisposable)pipeline.Fit(data);
        AssertScores(ml, (ITransformer)model, data, 60);
    }

    [TestMethod]
    public void PixelVector_FromExtractPixels_NeedsItsDeclaredShape()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ImagePathRow.Load("train", 20));
        var pixels = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Bitmap", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.Transforms.ResizeImages("Bitmap", imageWidth: 32, imageHeight: 32))
            .Append(ml.Transforms.ExtractPixels("Image", "Bitmap"));

        var undeclared = Assert.ThrowsExactly<ArgumentException>(() => pixels.Append(ml.BornAgain().Train(TeacherOnly())).Fit(data));
        StringAssert.Contains(undeclared.Message, "ImageChannels");

        var options = TeacherOnly();
        (options.ImageChannels, options.ImageHeight, options.ImageWidth) = (3, 32, 32);
        using var model = (IDisposable)pixels.Append(ml.BornAgain().Train(options)).Fit(data);
        AssertScores(ml, (ITransformer)model, data, 60);
    }

    [TestMethod]
    public void GrayscaleImages_TrainAOneChannelNetwork_ThatAlsoScoresColourImages()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ImagePathRow.Load("train", 20));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Colour", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.Transforms.ConvertToGrayscale("Image", "Colour"))
            .Append(ml.BornAgain().Train(TeacherOnly()));

        var model = pipeline.Fit(data);
        var bornAgain = model.LastTransformer;
        Assert.AreEqual(1, bornAgain.Model.InputChannels);

        var colourScorer = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Fit(data);
        AssertScores(ml, bornAgain, colourScorer.Transform(data), 60);
        bornAgain.Dispose();
    }

    [TestMethod]
    public void ImagesOfAnotherSize_AreResizedToTheNetworkInput()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(ImagePathRow.Load("train", 20));
        var options = TeacherOnly();
        (options.ImageHeight, options.ImageWidth) = (16, 16);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.BornAgain().Train(options));

        var model = pipeline.Fit(data);
        Assert.AreEqual(16, model.LastTransformer.Model.InputHeight);
        AssertScores(ml, model, data, 60);
        model.LastTransformer.Dispose();
    }
}
