using Microsoft.ML.BornAgain.Onnx;
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// The Born-Again graph written into ML.NET's own ONNX export (<c>mlContext.Model.ConvertToOnnx</c>): the nodes and
/// weights go through ML.NET's <see cref="OnnxContext"/>, which names them and assembles the model.
/// </summary>
internal sealed class OnnxContextGraph : IOnnxGraph
{
    // ONNX TensorProto.DataType of ML.NET's key columns (UInt32).
    private const long UInt32ElementType = 12;

    private readonly OnnxContext _context;

    private OnnxContextGraph(OnnxContext context)
    {
        _context = context;
    }

    /// <summary>
    /// Writes the scoring graph of <paramref name="plan"/> (whose image column is a pixel vector already in the
    /// graph) and maps its Score and PredictedLabel columns to the graph's values.
    /// </summary>
    public static void SaveScoring(OnnxContext context, ScoringPlan plan, DataViewSchema outputSchema)
    {
        if (plan.Image.Kind != ImageColumnKind.PixelVector || !context.ContainsColumn(plan.Image.ColumnName))
        {
            throw new InvalidOperationException(
                $"ConvertToOnnx cannot export the Born-Again transformer: its image column '{plan.Image.ColumnName}' must be a "
                + "Vector<Single> of pixels that the ONNX graph already holds (ML.NET has no ONNX form of LoadImages or "
                + "ResizeImages). Convert the pipeline from the pixel vector on (ExtractPixels' output), or export the "
                + "transformer alone with BornAgainTransformer.ExportToOnnx.");
        }
        var graph = new OnnxContextGraph(context);
        var shape = plan.Image.VectorShape!.Value;
        string pixels = context.GetVariableName(plan.Image.ColumnName);
        // ML.NET's vector column [N, C*H*W] as the networks' [N, C, H, W].
        string dims = graph.Initializer("image_shape", [-1, shape.Channels, shape.Height, shape.Width], [4]);
        string images = graph.Node("Reshape", [pixels, dims]);

        var scoreColumn = outputSchema[plan.InputSchema.Count];
        var predictedColumn = outputSchema[plan.InputSchema.Count + 1];
        string score = context.AddIntermediateVariable(scoreColumn.Type, scoreColumn.Name);
        var (_, index) = BornAgainOnnxGraph.Write(graph, plan.Scorer.Model, plan.Scorer.Generations, images, scoreName: score, indexAsColumn: true);

        // ML.NET's PredictedLabel is a key: the 0-based class index + 1, as a UInt32.
        string one = context.AddInitializer(1L, "one", true);
        string key = graph.Node("Add", [index, one]);
        string predicted = context.AddIntermediateVariable(predictedColumn.Type, predictedColumn.Name);
        graph.Node("Cast", [key], [OnnxAttribute.Integer("to", UInt32ElementType)], predicted);
    }

    public string Initializer(string name, float[] values, long[] dims) => _context.AddInitializer(values, dims, name, true);

    public string Initializer(string name, long[] values, long[] dims) => _context.AddInitializer(values, dims, name, true);

    public string Node(string opType, IReadOnlyList<string> inputs, IReadOnlyList<OnnxAttribute>? attributes = null, string? outputName = null)
    {
        string output = outputName ?? _context.AddIntermediateVariable(null, opType.ToLowerInvariant(), true);
        var node = _context.CreateNode(opType, inputs, [output], _context.GetNodeName(opType), "");
        foreach (var attribute in attributes ?? [])
        {
            if (attribute.Int is long i)
                node.AddAttribute(attribute.Name, i);
            else if (attribute.Float is float f)
                node.AddAttribute(attribute.Name, (double)f);
            else
                node.AddAttribute(attribute.Name, (IEnumerable<long>)(attribute.Ints ?? throw new ArgumentException($"Attribute '{attribute.Name}' has no value.")));
        }
        return output;
    }
}
