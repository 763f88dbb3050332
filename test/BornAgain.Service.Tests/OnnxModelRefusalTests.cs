using Google.Protobuf;
using Microsoft.ML.BornAgain.Onnx.Proto;

namespace BornAgain.Service.Tests;

/// <summary>
/// Hostile or foreign .onnx files are refused when the service starts, with a message naming the file and what is
/// wrong, before ONNX Runtime reads them (or, for a well-formed graph that cannot run, by ONNX Runtime's managed
/// exception): never a native crash and never a half-started server.
/// </summary>
[TestClass]
public sealed class OnnxModelRefusalTests
{
    [TestMethod]
    public void FileThatIsNotProtobuf_StopsStartUpNamingTheFile()
    {
        string path = TempOnnx();
        File.WriteAllBytes(path, [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, .. "this is not an ONNX model"u8.ToArray()]);
        try
        {
            var (exitCode, log) = StartupTests.RunService(path);

            Assert.AreEqual(1, exitCode, log);
            StringAssert.Contains(log, $"Model file '{path}' cannot be served as a Born-Again ONNX model: it is not an ONNX model");
            Assert.IsFalse(log.Contains("Unhandled exception", StringComparison.Ordinal), log);
            Assert.IsFalse(log.Contains("Now listening", StringComparison.Ordinal), log);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void EmptyFile_HasNoGraph() => AssertRefused([], "it holds no graph (0 bytes");

    [TestMethod]
    public void HugeDeclaredInitializer_IsRefusedBeforeOnnxRuntimeAllocates() =>
        AssertRefused(Edited(model => model.Graph.Initializer[0].Dims.Add(1L << 40)), "declares the shape [", "elements but holds");

    [TestMethod]
    public void ShapeWhoseElementCountOverflows_IsRefused() =>
        AssertRefused(Edited(model =>
        {
            var tensor = model.Graph.Initializer[0];
            tensor.Dims.Clear();
            tensor.Dims.AddRange([1L << 32, 1L << 32, 4]);
        }), "more elements than a 64-bit count holds");

    [TestMethod]
    public void ExternalData_IsRefused_SoNoFileOfTheMachineIsRead() =>
        AssertRefused(Edited(model =>
        {
            var tensor = model.Graph.Initializer[0];
            tensor.RawData = ByteString.Empty;
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "/etc/passwd" });
        }), "is stored outside the model file (external data)");

    [TestMethod]
    public void ChannelsLastInput_IsRefusedNamingTheShapeFoundAndExpected() =>
        AssertRefused(Edited(model =>
        {
            var dims = model.Graph.Input[0].Type.TensorType.Shape.Dim;
            (dims[1].DimValue, dims[3].DimValue) = (dims[3].DimValue, dims[1].DimValue);
        }), "its input 'Image' is Float [N, 32, 32, 3]; expected float32 [N, C, H, W] with C 1 or 3");

    [TestMethod]
    public void OperatorTheExportNeverWrites_IsRefused() =>
        AssertRefused(Edited(model => model.Graph.Node[0].OpType = "Loop"), "is the operator 'Loop', which the Born-Again export never writes");

    [TestMethod]
    public void ModelWithoutClassNames_IsRefused() =>
        AssertRefused(Edited(model =>
        {
            var labels = model.MetadataProps.Single(p => p.Key == "bornagain.labels");
            model.MetadataProps.Remove(labels);
        }), "its metadata has no class names (bornagain.labels");

    [TestMethod]
    public void ClassifierWeightOfTheWrongShape_IsRefusedByOnnxRuntime_AsAManagedError()
    {
        // Declared and stored sizes agree, so the contract passes; the classifier's Gemm cannot run with it.
        string message = RefusalOf(Edited(model =>
        {
            var weight = model.Graph.Initializer.Single(t => t.Name.EndsWith("fc.weight", StringComparison.Ordinal));
            (weight.Dims[0], weight.Dims[1]) = (weight.Dims[1], weight.Dims[0]);
        }));
        Assert.IsTrue(message.Contains("was refused by ONNX Runtime", StringComparison.Ordinal)
            || message.Contains("loaded, but cannot score images", StringComparison.Ordinal), message);
    }

    [TestMethod]
    public void GraphThatScoresTheWrongShape_IsRefusedAtStart()
    {
        // The first convolution's weight with its first two dimensions swapped: ONNX Runtime runs it, but the graph no
        // longer answers one row of class probabilities per image; the blank image scored at start catches it.
        AssertRefused(Edited(model =>
        {
            var weight = model.Graph.Initializer.First(t => t.Dims.Count == 4);
            (weight.Dims[0], weight.Dims[1]) = (weight.Dims[1], weight.Dims[0]);
        }), "loaded, but cannot score images", "for one image; expected [1, 3]");
    }

    [TestMethod]
    public void TheExportItselfPassesTheContract()
    {
        using var scorer = OnnxModelScorer.Load(TrainedModel.OnnxPath, maxConcurrent: 2);
        CollectionAssert.AreEqual(TrainedModel.Classes, scorer.Labels.ToArray());
        Assert.AreEqual("BAN-1 (PreActResNet-8)", scorer.Generations.Single().Name);
    }

    private static byte[] Edited(Action<ModelProto> edit)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(TrainedModel.OnnxPath));
        edit(model);
        return model.ToByteArray();
    }

    private static void AssertRefused(byte[] bytes, params string[] messageParts)
    {
        string message = RefusalOf(bytes);
        foreach (var part in messageParts)
            StringAssert.Contains(message, part);
    }

    /// <summary>The message of loading <paramref name="bytes"/> as a .onnx file, which must fail naming the file.</summary>
    private static string RefusalOf(byte[] bytes)
    {
        string path = TempOnnx();
        File.WriteAllBytes(path, bytes);
        try
        {
            var refused = Assert.ThrowsExactly<ModelLoadException>(() => OnnxModelScorer.Load(path).Dispose());
            StringAssert.StartsWith(refused.Message, $"Model file '{path}'");
            return refused.Message;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string TempOnnx() => Path.Combine(Path.GetTempPath(), $"hostile-{Guid.NewGuid():N}.onnx");
}
