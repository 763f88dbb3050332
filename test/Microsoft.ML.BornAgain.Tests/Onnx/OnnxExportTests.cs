using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Tests.MLNet;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.BornAgain.Tests.Onnx;

/// <summary>
/// ExportToOnnx on real images and really trained networks of every family: ONNX Runtime's probabilities equal the
/// transformer's own (TorchSharp) scores within 1e-4 and the predicted classes are identical, for one generation and
/// for the 3-generation BANE, with 3-channel and 1-channel models.
/// </summary>
[TestClass]
public sealed class OnnxExportTests
{
    private const float Tolerance = 1e-4f;
    private const int Size = 16;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("PreActResNet-8", 3)]
    [DataRow("PreActResNet-8", 1)]
    [DataRow("WRN-10-1-0.3", 3)]
    [DataRow("WRN-10-1-0.3", 1)]
    [DataRow("DenseNetBC-10-8-0.5-0.2", 3)]
    [DataRow("DenseNetBC-10-8-0.5-0.2", 1)]
    public void OnnxRuntimeScoresEqualTorchSharpForOneGenerationAndForTheBane(string architecture, int channels)
    {
        using var trained = OnnxTrainedModel.Train(NetworkArchitecture.Parse(architecture), channels, students: 2);
        foreach (int[] generations in new[] { new[] { 2 }, new[] { 0 }, new[] { 0, 1, 2 } })
        {
            using var transformer = trained.Transformer.WithScoringGenerations(generations);
            var expected = trained.TorchSharpScores(transformer);
            var onnx = Export(transformer);
            var (scores, predicted) = RunOnnx(onnx, trained.OnnxInput, trained.Test.Count, channels);

            float maxDifference = MaxDifference(expected.Scores, scores);
            TestContext.WriteLine($"{architecture}, {channels} channel(s), generations [{string.Join(", ", generations)}]: "
                + $"max |ONNX Runtime - TorchSharp| = {maxDifference:E2} over {scores.Length} probabilities");
            Assert.IsLessThanOrEqualTo(Tolerance, maxDifference, $"generations [{string.Join(", ", generations)}]");
            // ML.NET's PredictedLabel is a key: the class index + 1.
            CollectionAssert.AreEqual(expected.PredictedKeys.Select(k => (long)k - 1).ToArray(), predicted,
                $"generations [{string.Join(", ", generations)}]");
        }
    }

    [TestMethod]
    public void MLNetApplyOnnxModelGivesTheSameScores()
    {
        using var trained = OnnxTrainedModel.Train(NetworkArchitecture.PreActResNet(8), channels: 3, students: 2);
        using var transformer = trained.Transformer.WithScoringGenerations(0, 1, 2);
        var expected = trained.TorchSharpScores(transformer);
        string path = Path.Combine(Path.GetTempPath(), $"bornagain-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            transformer.ExportToOnnx(path);
            // An app's ML.NET scoring pipeline without LibTorch: load, resize, planar RGB 0..255 pixels, the ONNX model.
            var context = new MLContext(seed: 1);
            var pipeline = context.Transforms.LoadImages("Loaded", imageFolder: null, inputColumnName: "ImagePath")
                .Append(context.Transforms.ResizeImages("Resized", Size, Size, inputColumnName: "Loaded"))
                .Append(context.Transforms.ExtractPixels("Image", inputColumnName: "Resized"))
                .Append(context.Transforms.ApplyOnnxModel(["Score", "PredictedLabel"], ["Image"], path));
            var data = context.Data.LoadFromEnumerable(trained.Test);
            using var onnxModel = (IDisposable)pipeline.Fit(data);
            var scored = ((ITransformer)onnxModel).Transform(data);
            var scores = scored.GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
            var predicted = scored.GetColumn<long[]>("PredictedLabel").Select(p => p.Single()).ToArray();

            float maxDifference = MaxDifference(expected.Scores, scores);
            TestContext.WriteLine($"ApplyOnnxModel, BANE of 3 PreActResNet-8: max difference {maxDifference:E2}");
            Assert.HasCount(expected.Scores.Length, scores);
            Assert.IsLessThanOrEqualTo(Tolerance, maxDifference);
            CollectionAssert.AreEqual(expected.PredictedKeys.Select(k => (long)k - 1).ToArray(), predicted);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void TheExportDeclaresItsInputContractAndOnnxRuntimeEnforcesIt()
    {
        using var trained = OnnxTrainedModel.Train(NetworkArchitecture.PreActResNet(8), channels: 3, students: 1);
        using var both = trained.Transformer.WithScoringGenerations(0, 1);
        using var session = new InferenceSession(Export(both));

        var input = session.InputMetadata.Single();
        Assert.AreEqual("Image", input.Key);
        Assert.AreEqual(typeof(float), input.Value.ElementType);
        CollectionAssert.AreEqual(new[] { -1, 3, Size, Size }, input.Value.Dimensions);
        CollectionAssert.AreEquivalent(new[] { "Score", "PredictedLabel" }, session.OutputMetadata.Keys.ToArray());
        Assert.AreEqual(typeof(long), session.OutputMetadata["PredictedLabel"].ElementType);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.AreEqual(string.Join("\n", TestImages.ThreeClasses), metadata["bornagain.labels"]);
        Assert.AreEqual("0,1", metadata["bornagain.generations"]);
        Assert.AreEqual("PreActResNet-8\nPreActResNet-8", metadata["bornagain.architectures"]);
        Assert.AreEqual("Teacher (PreActResNet-8)\nBAN-1 (PreActResNet-8)", metadata["bornagain.generation_names"]);

        // Another image size is refused, not silently scored.
        var wrongSize = new DenseTensor<float>(new float[3 * 8 * 8], [1, 3, 8, 8]);
        Assert.ThrowsExactly<OnnxRuntimeException>(() =>
        {
            using var _ = session.Run([NamedOnnxValue.CreateFromTensor("Image", wrongSize)]);
        });
    }

    [TestMethod]
    public void ExportToAStreamWritesTheSameModelAsToAFile()
    {
        using var trained = OnnxTrainedModel.Train(NetworkArchitecture.PreActResNet(8), channels: 1, students: 1);
        string path = Path.Combine(Path.GetTempPath(), $"bornagain-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            trained.Transformer.ExportToOnnx(path);
            CollectionAssert.AreEqual(Export(trained.Transformer), File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
        Assert.ThrowsExactly<ArgumentNullException>(() => trained.Transformer.ExportToOnnx((Stream)null!));
        Assert.ThrowsExactly<ArgumentException>(() => trained.Transformer.ExportToOnnx(new MemoryStream([], writable: false)));
    }

    private static byte[] Export(BornAgainTransformer transformer)
    {
        using var stream = new MemoryStream();
        transformer.ExportToOnnx(stream);
        return stream.ToArray();
    }

    private static (float[] Scores, long[] Predicted) RunOnnx(byte[] model, float[] pixels, int count, int channels)
    {
        using var session = new InferenceSession(model);
        var input = new DenseTensor<float>(pixels, [count, channels, Size, Size]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("Image", input)]);
        var scores = results.Single(r => r.Name == "Score").AsTensor<float>().ToArray();
        var predicted = results.Single(r => r.Name == "PredictedLabel").AsTensor<long>().ToArray();
        return (scores, predicted);
    }

    private static float MaxDifference(float[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        return expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
    }
}
