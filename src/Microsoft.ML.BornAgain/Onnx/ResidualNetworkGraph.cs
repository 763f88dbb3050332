namespace Microsoft.ML.BornAgain.Onnx;

/// <summary>
/// The ONNX graph of PreActResNet and WRN (the same pre-activation basic block; see Networks/ResNet and
/// Networks/WideResNet): conv3x3 stem, three stages at strides 1, 2, 2, final BN-ReLU, pooling and <c>fc</c>.
/// Dropout is the identity at inference and has no node.
/// </summary>
internal static class ResidualNetworkGraph
{
    /// <summary>Writes the network reading <paramref name="input"/> (normalized images); returns the logits' name.</summary>
    public static string Write(NetworkLayers layers, NetworkArchitecture architecture, string input)
    {
        bool wide = architecture.Family == NetworkFamily.WideResNet;
        int blocksPerStage = (architecture.Depth - (wide ? 4 : 2)) / 6;
        var features = layers.Conv(input, "conv1", stride: 1, padding: 1);
        for (int stage = 1; stage <= 3; stage++)
        {
            for (int block = 0; block < blocksPerStage; block++)
            {
                // state_dict names: PreActResNet's layer1.0.bn1, WRN's block1.layer.0.bn1 (the reference code's NetworkBlock).
                string module = wide ? $"block{stage}.layer.{block}" : $"layer{stage}.{block}";
                int stride = stage > 1 && block == 0 ? 2 : 1;
                features = Block(layers, features, module, stride);
            }
        }
        features = layers.BatchNormRelu(features, "bn1");
        return layers.PoolAndClassify(features, "fc");
    }

    // PreActBasicBlock.forward: the projection shortcut (when the shape changes) reads the pre-activated input,
    // the identity shortcut the raw input.
    private static string Block(NetworkLayers layers, string input, string module, int stride)
    {
        string preActivated = layers.BatchNormRelu(input, module + ".bn1");
        string shortcut = layers.Has(module + ".convShortcut.weight")
            ? layers.Conv(preActivated, module + ".convShortcut", stride, padding: 0)
            : input;
        string residual = layers.Conv(preActivated, module + ".conv1", stride, padding: 1);
        residual = layers.BatchNormRelu(residual, module + ".bn2");
        residual = layers.Conv(residual, module + ".conv2", stride: 1, padding: 1);
        return layers.Add(residual, shortcut);
    }
}
