using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// DenseNet-BC transition, BN-ReLU-conv1x1-avgpool2 with compression: floor(theta * C) output channels
/// (Huang et al. 2017, Sec. 3 "Compression").
/// </summary>
/// <remarks>
/// Field names match torchvision's <c>_Transition</c> (<c>norm</c>, <c>conv</c>, <c>pool</c>). Dropout after the
/// convolution follows the original Torch code.
/// </remarks>
internal sealed class Transition : nn.Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> norm;
    private readonly Module<Tensor, Tensor> conv;
    private readonly Module<Tensor, Tensor> pool;

    private readonly double _dropoutRate;

    /// <summary>Creates a transition mapping [B, inputChannels, H, W] to [B, outputChannels, H / 2, W / 2].</summary>
    /// <param name="inputChannels">Channels of the preceding dense block's output.</param>
    /// <param name="outputChannels">Channels after compression.</param>
    /// <param name="dropoutRate">Dropout probability after the convolution; 0 for none.</param>
    public Transition(int inputChannels, int outputChannels, double dropoutRate)
        : base(nameof(Transition))
    {
        norm = new BatchNormalization(inputChannels);
        conv = Conv2d(inputChannels, outputChannels, kernel_size: 1, bias: false);
        pool = AvgPool2d(kernel_size: 2, stride: 2);

        _dropoutRate = dropoutRate;
        RegisterComponents();
    }

    /// <summary>
    /// The compressed channel count floor(theta * C), rounded down as the original Torch code does
    /// (<c>math.floor(nChannels * reduction)</c>).
    /// </summary>
    public static int OutputChannels(int inputChannels, double compression) =>
        (int)Math.Floor(inputChannels * compression);

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        var compressed = conv.call(functional.relu(norm.call(input), inplace: true));
        if (_dropoutRate > 0)
        {
            compressed = functional.dropout(compressed, _dropoutRate, training);
        }

        return pool.call(compressed);
    }
}
