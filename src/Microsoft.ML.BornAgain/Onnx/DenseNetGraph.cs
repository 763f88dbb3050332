namespace Microsoft.ML.BornAgain.Onnx;

/// <summary>
/// The ONNX graph of DenseNet-BC (see Networks/DenseNet): conv3x3 stem, three dense blocks whose bottleneck layers
/// concatenate their k new maps to their input, compressing transitions with 2x2 average pooling, final BN-ReLU,
/// pooling and <c>classifier</c>. Dropout is the identity at inference and has no node.
/// </summary>
internal static class DenseNetGraph
{
    private const int BlockCount = 3;

    /// <summary>Writes the network reading <paramref name="input"/> (normalized images); returns the logits' name.</summary>
    public static string Write(NetworkLayers layers, NetworkArchitecture architecture, string input)
    {
        int layersPerBlock = (architecture.Depth - 4) / 6;
        var features = layers.Conv(input, "features.conv0", stride: 1, padding: 1);
        for (int block = 1; block <= BlockCount; block++)
        {
            for (int layer = 1; layer <= layersPerBlock; layer++)
                features = DenseLayer(layers, features, $"features.denseblock{block}.denselayer{layer}");
            if (block < BlockCount)
                features = Transition(layers, features, $"features.transition{block}");
        }
        features = layers.BatchNormRelu(features, "features.norm5");
        return layers.PoolAndClassify(features, "classifier");
    }

    // DenseLayer.forward: BN-ReLU-conv1x1(4k)-BN-ReLU-conv3x3(k), concatenated after the input.
    private static string DenseLayer(NetworkLayers layers, string input, string module)
    {
        string bottleneck = layers.Conv(layers.BatchNormRelu(input, module + ".norm1"), module + ".conv1", stride: 1, padding: 0);
        string newFeatures = layers.Conv(layers.BatchNormRelu(bottleneck, module + ".norm2"), module + ".conv2", stride: 1, padding: 1);
        return layers.Concat(input, newFeatures);
    }

    // Transition.forward: BN-ReLU-conv1x1, then a 2x2 average pooling at stride 2.
    private static string Transition(NetworkLayers layers, string input, string module)
    {
        string compressed = layers.Conv(layers.BatchNormRelu(input, module + ".norm"), module + ".conv", stride: 1, padding: 0);
        return layers.AveragePool(compressed, size: 2);
    }
}
