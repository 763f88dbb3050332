using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// DenseNet-BC bottleneck layer, BN-ReLU-conv1x1(4k)-BN-ReLU-conv3x3(k) (Huang et al. 2017, Sec. 3 "Bottleneck
/// layers"), whose k new feature maps are concatenated to its input.
/// </summary>
/// <remarks>
/// Field names match torchvision's <c>_DenseLayer</c>: <c>norm1</c>, <c>conv1</c>, <c>norm2</c>, <c>conv2</c>.
/// Dropout follows each convolution, as in the original Torch code (liuzhuang13/DenseNet, <c>densenet.lua</c>);
/// torchvision applies it only after <c>conv2</c>.
/// </remarks>
internal sealed class DenseLayer : nn.Module<Tensor, Tensor>
{
    /// <summary>Bottleneck width as a multiple of the growth rate (4k in the paper).</summary>
    public const int BottleneckFactor = 4;

    private readonly Module<Tensor, Tensor> norm1;
    private readonly Module<Tensor, Tensor> conv1;
    private readonly Module<Tensor, Tensor> norm2;
    private readonly Module<Tensor, Tensor> conv2;

    private readonly double _dropoutRate;

    /// <summary>Creates a layer mapping [B, inputChannels, H, W] to [B, inputChannels + growthRate, H, W].</summary>
    /// <param name="inputChannels">Channels of all feature maps concatenated so far.</param>
    /// <param name="growthRate">The k new feature maps this layer adds.</param>
    /// <param name="dropoutRate">Dropout probability after each convolution; 0 for none.</param>
    public DenseLayer(int inputChannels, int growthRate, double dropoutRate)
        : base(nameof(DenseLayer))
    {
        norm1 = new BatchNormalization(inputChannels);
        conv1 = Conv2d(inputChannels, BottleneckFactor * growthRate, kernel_size: 1, bias: false);
        norm2 = new BatchNormalization(BottleneckFactor * growthRate);
        conv2 = Conv2d(BottleneckFactor * growthRate, growthRate, kernel_size: 3, padding: 1, bias: false);

        _dropoutRate = dropoutRate;
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        var bottleneck = Dropout(conv1.call(functional.relu(norm1.call(input), inplace: true)));   // [B, 4k, H, W]
        var newFeatures = Dropout(conv2.call(functional.relu(norm2.call(bottleneck), inplace: true))); // [B, k, H, W]
        return cat([input, newFeatures], dim: 1);
    }

    private Tensor Dropout(Tensor features) =>
        _dropoutRate > 0 ? functional.dropout(features, _dropoutRate, training) : features;
}
