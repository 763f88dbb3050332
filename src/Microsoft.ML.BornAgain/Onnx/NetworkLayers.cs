using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Onnx;

/// <summary>
/// Writes one network's layers as ONNX nodes, taking each layer's weights from the network's PyTorch-style state_dict
/// by name (<c>layer1.0.bn1.weight</c>...). Initializers are named with the generation's prefix (<c>g1.fc.weight</c>),
/// so several generations live in one graph. <see cref="CheckAllUsed"/> proves the graph read every weight.
/// </summary>
internal sealed class NetworkLayers
{
    // The networks build every BatchNorm2d with TorchSharp's default epsilon.
    private const float BatchNormEpsilon = 1e-5f;

    private readonly IOnnxGraph _graph;
    private readonly string _prefix;
    private readonly Dictionary<string, Tensor> _state;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public NetworkLayers(IOnnxGraph graph, string prefix, nn.Module<Tensor, Tensor> network)
    {
        _graph = graph;
        _prefix = prefix;
        _state = network.state_dict(); // the network's own tensors: read, never disposed here
    }

    /// <summary>True when the state_dict has <paramref name="key"/> (optional layers such as a projection shortcut).</summary>
    public bool Has(string key) => _state.ContainsKey(key);

    /// <summary>Conv (no bias) with square <paramref name="stride"/> and symmetric <paramref name="padding"/>; kernel size from the weight.</summary>
    public string Conv(string input, string module, int stride, int padding)
    {
        var (weight, dims) = Weight(module + ".weight", expectedRank: 4);
        return _graph.Node("Conv", [input, weight],
        [
            OnnxAttribute.Integers("kernel_shape", dims[2], dims[3]),
            OnnxAttribute.Integers("strides", stride, stride),
            OnnxAttribute.Integers("pads", padding, padding, padding, padding),
        ]);
    }

    /// <summary>BatchNormalization in inference mode: running mean and variance.</summary>
    public string BatchNorm(string input, string module)
    {
        string scale = Weight(module + ".weight", 1).Name;
        string bias = Weight(module + ".bias", 1).Name;
        string mean = Weight(module + ".running_mean", 1).Name;
        string variance = Weight(module + ".running_var", 1).Name;
        _used.Add(module + ".num_batches_tracked"); // training bookkeeping only
        return _graph.Node("BatchNormalization", [input, scale, bias, mean, variance],
            [OnnxAttribute.Single("epsilon", BatchNormEpsilon)]);
    }

    public string Relu(string input) => _graph.Node("Relu", [input]);

    /// <summary>BN, then ReLU: the pre-activation every block starts with.</summary>
    public string BatchNormRelu(string input, string module) => Relu(BatchNorm(input, module));

    /// <summary>The head every family ends with: global average pooling, flatten, and the linear <paramref name="module"/>.</summary>
    public string PoolAndClassify(string features, string module)
    {
        string pooled = _graph.Node("Flatten", [_graph.Node("GlobalAveragePool", [features])],
            [OnnxAttribute.Integer("axis", 1)]);
        string weight = Weight(module + ".weight", 2).Name;
        string bias = Weight(module + ".bias", 1).Name;
        return _graph.Node("Gemm", [pooled, weight, bias], [OnnxAttribute.Integer("transB", 1)]);
    }

    public string Add(string a, string b) => _graph.Node("Add", [a, b]);

    public string Concat(string a, string b) => _graph.Node("Concat", [a, b], [OnnxAttribute.Integer("axis", 1)]);

    public string AveragePool(string input, int size) => _graph.Node("AveragePool", [input],
        [OnnxAttribute.Integers("kernel_shape", size, size), OnnxAttribute.Integers("strides", size, size)]);

    /// <summary>Throws unless every tensor of the state_dict became part of the graph (a layer the writer missed).</summary>
    public void CheckAllUsed(string networkName)
    {
        var unused = _state.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unused.Count > 0)
        {
            throw new InvalidOperationException(
                $"The ONNX graph of {networkName} does not use these weights: {string.Join(", ", unused)}.");
        }
    }

    private (string Name, long[] Dims) Weight(string key, int expectedRank)
    {
        if (!_state.TryGetValue(key, out var tensor))
            throw new InvalidOperationException($"The network has no weight '{key}' for its ONNX graph.");
        if (tensor.dim() != expectedRank)
            throw new InvalidOperationException($"Weight '{key}' has shape [{string.Join(", ", tensor.shape)}]; rank {expectedRank} expected.");
        _used.Add(key);
        float[] values;
        using (NewDisposeScope())
            values = tensor.detach().to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        return (_graph.Initializer(_prefix + key, values, tensor.shape), tensor.shape);
    }
}
