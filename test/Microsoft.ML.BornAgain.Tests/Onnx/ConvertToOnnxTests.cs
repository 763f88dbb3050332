using Microsoft.ML.BornAgain.Tests.MLNet;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.BornAgain.Tests.Onnx;

/// <summary>
/// ML.NET's own exporter, <c>mlContext.Model.ConvertToOnnx</c>, on a pipeline whose image column is a pixel vector:
/// the Born-Again transformer writes its nodes into ML.NET's graph, and ONNX Runtime gives the transformer's scores.
/// </summary>
[TestClass]
public sealed class ConvertToOnnxTests
{
    private const int Size = 16;
    private const int PixelCount = 3 * Size * Size;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ConvertToOnnxOfAPixelVectorPipelineScoresLikeTorchSharp()
    {
        var context = new MLContext(seed: 1);
        var pixels = context.Transforms.LoadImages("Loaded", imageFolder: null, inputColumnName: "ImagePath")
            .Append(context.Transforms.ResizeImages("Resized", Size, Size, inputColumnName: "Loaded"))
            .Append(context.Transforms.ExtractPixels("Pixels", inputColumnName: "Resized"));
        var train = context.Data.LoadFromEnumerable(ImagePathRow.Load("train", 20));
        var featurizer = pixels.Fit(train);
        var options = TrainedPipeline.SmallOptions(generations: 2, epochs: 1);
        options.ImageColumnName = "Pixels";
        options.ImageChannels = 3;
        options.ImageHeight = Size;
        options.ImageWidth = Size;
        var trainer = context.Transforms.Conversion.MapValueToKey("Label").Append(context.BornAgain().Train(options));
        using var model = trainer.Fit(featurizer.Transform(train)).LastTransformer;
        using var bane = model.WithScoringGenerations(0, 1, 2);

        // The scoring pipeline an app converts: pixel vectors in, the BANE, and the label's values out.
        var testPixels = featurizer.Transform(context.Data.LoadFromEnumerable(ImagePathRow.Load("test", 8)))
            .GetColumn<float[]>("Pixels").Select(p => new PixelRow { Pixels = p }).ToList();
        var input = context.Data.LoadFromEnumerable(testPixels);
        var toLabel = context.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel").Fit(bane.Transform(input));
        var scoring = new TransformerChain<ITransformer>(bane, toLabel);
        var scored = scoring.Transform(input);
        var expectedScores = scored.GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
        var expectedKeys = scored.GetColumn<uint>("PredictedLabel").ToArray();
        var expectedClasses = scored.GetColumn<string>("PredictedClass").ToArray();

        using var stream = new MemoryStream();
        context.Model.ConvertToOnnx(scoring, input, stream);

        using var session = new InferenceSession(stream.ToArray());
        var tensor = new DenseTensor<float>(testPixels.SelectMany(p => p.Pixels).ToArray(), [testPixels.Count, PixelCount]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("Pixels", tensor)]);
        // ML.NET names a column's graph output "<column>.output".
        TestContext.WriteLine("ONNX outputs: " + string.Join(", ", results.Select(r => r.Name)));
        var scores = results.Single(r => r.Name == "Score.output").AsTensor<float>().ToArray();
        var keys = results.Single(r => r.Name == "PredictedLabel.output").AsTensor<uint>().ToArray();
        var classes = results.Single(r => r.Name == "PredictedClass.output").AsTensor<string>().ToArray();

        Assert.HasCount(expectedScores.Length, scores);
        float maxDifference = expectedScores.Zip(scores, (e, a) => Math.Abs(e - a)).Max();
        TestContext.WriteLine($"ConvertToOnnx, BANE of 3 PreActResNet-8: max |ONNX Runtime - TorchSharp| = {maxDifference:E2}");
        Assert.IsLessThanOrEqualTo(1e-4f, maxDifference);
        CollectionAssert.AreEqual(expectedKeys, keys);
        CollectionAssert.AreEqual(expectedClasses, classes);
    }

    [TestMethod]
    public void ConvertToOnnxOfAnImagePipelineSaysWhyItCannot()
    {
        using var trained = OnnxTrainedModel.Train(NetworkArchitecture.PreActResNet(8), channels: 3, students: 1);
        var images = trained.Context.Data.LoadFromEnumerable(trained.Test);
        using var stream = new MemoryStream();
        // MLImage columns: ML.NET has no ONNX form of LoadImages, so the export cannot reach the transformer's input.
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => trained.Context.Model.ConvertToOnnx(trained.Model, images, stream));
        StringAssert.Contains(error.Message, "image column 'Image' must be a Vector<Single> of pixels");
        StringAssert.Contains(error.Message, "ExportToOnnx");
    }

    public sealed class PixelRow
    {
        [VectorType(PixelCount)]
        public float[] Pixels { get; set; } = [];
    }
}
