using System.Globalization;
using System.Reflection;
using Google.Protobuf;
using Microsoft.ML.BornAgain.Onnx.Proto;
using Microsoft.ML.BornAgain.Training;

namespace Microsoft.ML.BornAgain.Onnx;

/// <summary>
/// Builds the ONNX model of a trained Born-Again model scoring with some of its generations: input normalization,
/// each generation's network, softmax, the mean of the probabilities (BANE) and the arg-max, in one graph.
/// </summary>
/// <remarks>Design and input contract: docs/onnx.md.</remarks>
internal static class BornAgainOnnxExport
{
    /// <summary>The graph input: float32 [N, C, H, W], raw pixels (as the trainer saw them).</summary>
    public const string InputName = "Image";

    /// <summary>The output of class probabilities, float32 [N, classes].</summary>
    public const string ScoreName = "Score";

    /// <summary>The output of the predicted class index (0-based), int64 [N].</summary>
    public const string PredictedLabelName = "PredictedLabel";

    /// <summary>ONNX opset 17 (ONNX 1.12, the schema compiled into the library), IR version 8.</summary>
    public const int OpsetVersion = 17;

    private const long IrVersion = 8;
    private const string BatchDimension = "N";

    /// <param name="model">The trained model.</param>
    /// <param name="generations">The generations to average.</param>
    /// <param name="labelValues">The label's key values, one per class (the metadata <c>bornagain.labels</c>); null if it has none.</param>
    public static ModelProto Build(BornAgainModel model, IReadOnlyList<int> generations, IReadOnlyList<string>? labelValues)
    {
        var graph = new OnnxGraphBuilder("BornAgain");
        long[] imageDims = [model.InputChannels, model.InputHeight, model.InputWidth];
        graph.Input(InputName, [null, .. imageDims], BatchDimension, InputDocumentation(model));

        BornAgainOnnxGraph.Write(graph, model, generations, InputName, ScoreName, PredictedLabelName);
        graph.Output(ScoreName, TensorProto.Types.DataType.Float, [null, model.ClassCount], BatchDimension,
            "Class probabilities: softmax of each scoring generation, averaged over the generations (BANE).");
        graph.Output(PredictedLabelName, TensorProto.Types.DataType.Int64, [null], BatchDimension,
            "Index (0-based) of the most probable class, in the order of the label's key values (metadata bornagain.labels).");

        var onnx = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "BornAgain.ML",
            ProducerVersion = typeof(BornAgainOnnxExport).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            DocString = $"Born-Again Networks: generations [{string.Join(", ", generations)}] of "
                + string.Join(", ", model.Generations.Select(g => g.ToString())) + ".",
            Graph = graph.Graph,
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        AddMetadata(onnx, "bornagain.generations", string.Join(",", generations.Select(g => g.ToString(CultureInfo.InvariantCulture))));
        // One line per scoring generation, in the order of bornagain.generations: what a scoring app reports with
        // its answers (the service's "generations"), read without the model.zip.
        AddMetadata(onnx, "bornagain.architectures", string.Join("\n", generations.Select(g => model.Generations[g].Architecture.ToString())));
        AddMetadata(onnx, "bornagain.generation_names", string.Join("\n", generations.Select(g => model.Generations[g].ToString())));
        AddMetadata(onnx, "bornagain.input", InputDocumentation(model));
        if (labelValues is not null)
            AddMetadata(onnx, "bornagain.labels", string.Join("\n", labelValues));
        return onnx;
    }

    /// <summary>Writes the model's protobuf bytes to <paramref name="destination"/>.</summary>
    public static void Write(ModelProto model, Stream destination)
    {
        using var output = new CodedOutputStream(destination, leaveOpen: true);
        model.WriteTo(output);
        output.Flush();
    }

    private static string InputDocumentation(BornAgainModel model) =>
        $"float32 [N, {model.InputChannels}, {model.InputHeight}, {model.InputWidth}]: a batch of images at the network's input size, "
        + (model.InputChannels == 3 ? "planar R, G, B" : "one grayscale plane (ITU-R BT.601 luma of colour images)")
        + ", raw pixel values as the trainer saw them (0..255 for images loaded by ML.NET; pixel vectors as given); "
        + "the model normalizes them itself.";

    private static void AddMetadata(ModelProto model, string key, string value) =>
        model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
}
