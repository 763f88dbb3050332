using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// A dense block: <c>denselayer1</c>..<c>denselayerN</c>, each seeing the concatenation of the block input and all
/// earlier layers' outputs (Huang et al. 2017, Eq. 2).
/// </summary>
/// <remarks>
/// torchvision's <c>_DenseBlock</c> is a ModuleDict with children named <c>denselayer1</c>..; registering the layers
/// under those names gives the same state_dict keys (<c>denseblock1.denselayer1.norm1.weight</c>).
/// </remarks>
internal sealed class DenseBlock : nn.Module<Tensor, Tensor>
{
    private readonly DenseLayer[] _layers;

    /// <summary>Creates a block mapping [B, C, H, W] to [B, C + layerCount * growthRate, H, W].</summary>
    /// <param name="layerCount">Number of dense layers.</param>
    /// <param name="inputChannels">Channels of the block's input.</param>
    /// <param name="growthRate">Channels each layer adds.</param>
    /// <param name="dropoutRate">Dropout probability after each convolution; 0 for none.</param>
    public DenseBlock(int layerCount, int inputChannels, int growthRate, double dropoutRate)
        : base(nameof(DenseBlock))
    {
        _layers = new DenseLayer[layerCount];
        for (var i = 0; i < layerCount; i++)
        {
            _layers[i] = new DenseLayer(inputChannels + i * growthRate, growthRate, dropoutRate);
            register_module($"denselayer{i + 1}", _layers[i]);
        }

        RegisterComponents();
    }

    /// <summary>The channel count of this block's output.</summary>
    public static int OutputChannels(int layerCount, int inputChannels, int growthRate) =>
        inputChannels + layerCount * growthRate;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        // Each layer returns its input with k new maps appended, so the running tensor is the block's concatenation.
        // Temporaries belong to the caller's dispose scope (the top network's forward).
        var features = input;
        foreach (var layer in _layers)
        {
            features = layer.call(features);
        }

        return features;
    }
}
