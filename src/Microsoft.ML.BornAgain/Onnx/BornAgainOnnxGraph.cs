using Microsoft.ML.BornAgain.Training;

namespace Microsoft.ML.BornAgain.Onnx;

/// <summary>
/// The scoring graph of a Born-Again model with some of its generations, written into any <see cref="IOnnxGraph"/>:
/// input normalization, each generation's network, softmax, the mean of the probabilities (BANE) and the arg-max.
/// The same nodes serve the standalone export and ML.NET's ConvertToOnnx.
/// </summary>
internal static class BornAgainOnnxGraph
{
    /// <summary>
    /// Writes the graph reading <paramref name="images"/> (raw float32 [N, C, H, W]); returns the probabilities
    /// [N, classes] and the int64 index of the most probable class, [N] or, with <paramref name="indexAsColumn"/>,
    /// [N, 1] (ML.NET's scalar columns); named as asked when the names are given.
    /// </summary>
    public static (string Score, string PredictedIndex) Write(IOnnxGraph graph, BornAgainModel model, IReadOnlyList<int> generations,
        string images, string? scoreName = null, string? predictedIndexName = null, bool indexAsColumn = false)
    {
        model.CheckGenerations(generations, nameof(generations));
        string normalized = Normalize(graph, model.Normalization, images);
        var probabilities = new List<string>();
        foreach (int g in generations)
        {
            var generation = model.Generations[g];
            var layers = new NetworkLayers(graph, $"g{g}.", generation.Network);
            string logits = generation.Architecture.Family switch
            {
                NetworkFamily.PreActResNet or NetworkFamily.WideResNet =>
                    ResidualNetworkGraph.Write(layers, generation.Architecture, normalized),
                NetworkFamily.DenseNetBC => DenseNetGraph.Write(layers, generation.Architecture, normalized),
                _ => throw new NotSupportedException($"No ONNX graph for the {generation.Architecture.Family} family."),
            };
            layers.CheckAllUsed(generation.ToString());
            probabilities.Add(graph.Node("Softmax", [logits], [OnnxAttribute.Integer("axis", 1)]));
        }

        // BANE: the mean of the members' probabilities (GenerationEnsemble); Mean of one input is that input.
        string score = graph.Node("Mean", probabilities, outputName: scoreName);
        string predicted = graph.Node("ArgMax", [score],
            [OnnxAttribute.Integer("axis", 1), OnnxAttribute.Integer("keepdims", indexAsColumn ? 1 : 0)], predictedIndexName);
        return (score, predicted);
    }

    // ChannelNormalization.Apply: (images - mean) / std with per-channel [1, C, 1, 1] constants.
    private static string Normalize(IOnnxGraph graph, ChannelNormalization normalization, string images)
    {
        long[] dims = [1, normalization.Channels, 1, 1];
        string mean = graph.Initializer("normalization.mean", normalization.Mean.ToArray(), dims);
        string std = graph.Initializer("normalization.std", normalization.StandardDeviation.ToArray(), dims);
        return graph.Node("Div", [graph.Node("Sub", [images, mean]), std]);
    }
}
