using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// Pre-activation basic block, BN-ReLU-conv3x3-BN-ReLU-(dropout)-conv3x3 plus a shortcut (He et al. 2016,
/// "Identity Mappings in Deep Residual Networks", Fig. 4e); shared by <see cref="PreActResNet"/> and
/// <see cref="WideResNet"/>.
/// </summary>
/// <remarks>
/// Field names follow the WRN reference code (xternalz/WideResNet-pytorch, <c>BasicBlock</c>): <c>bn1</c>, <c>conv1</c>,
/// <c>bn2</c>, <c>conv2</c>, <c>convShortcut</c>. When the shape changes, the 1x1 projection shortcut reads the
/// pre-activated input (BN-ReLU output), as in that code and in He et al.'s pre-activation ResNet; otherwise the
/// shortcut is the identity on the raw input.
/// </remarks>
internal sealed class PreActBasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Module<Tensor, Tensor> conv1;
    private readonly Module<Tensor, Tensor> bn2;
    private readonly Module<Tensor, Tensor> conv2;
    private readonly Module<Tensor, Tensor>? convShortcut;

    private readonly double _dropoutRate;

    /// <summary>Creates a block mapping [B, inputChannels, H, W] to [B, outputChannels, H / stride, W / stride].</summary>
    /// <param name="inputChannels">Channels of the block's input.</param>
    /// <param name="outputChannels">Channels of the block's output.</param>
    /// <param name="stride">Stride of the first convolution and of the shortcut (1 or 2).</param>
    /// <param name="dropoutRate">Dropout probability between the two convolutions (WRN paper Sec. 2.4); 0 for none.</param>
    public PreActBasicBlock(int inputChannels, int outputChannels, int stride, double dropoutRate)
        : base(nameof(PreActBasicBlock))
    {
        bn1 = new BatchNormalization(inputChannels);
        conv1 = Conv2d(inputChannels, outputChannels, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn2 = new BatchNormalization(outputChannels);
        conv2 = Conv2d(outputChannels, outputChannels, kernel_size: 3, stride: 1, padding: 1, bias: false);
        if (inputChannels != outputChannels || stride != 1)
        {
            convShortcut = Conv2d(inputChannels, outputChannels, kernel_size: 1, stride: stride, bias: false);
        }

        _dropoutRate = dropoutRate;
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        // Every ReLU here and in the other networks follows a batch norm and runs in place: the norm's backward pass
        // needs its input, not its output, and the ReLU's needs only its result, so overwriting the norm's output is
        // safe and saves an activation-sized buffer per layer (fewer fresh pages for the allocator in every step).
        var preActivated = functional.relu(bn1.call(input), inplace: true);
        var shortcut = convShortcut is null ? input : convShortcut.call(preActivated);

        var residual = functional.relu(bn2.call(conv1.call(preActivated)), inplace: true);
        if (_dropoutRate > 0)
        {
            residual = functional.dropout(residual, _dropoutRate, training);
        }

        residual = conv2.call(residual);
        return residual.add(shortcut, KeptScalars.One);
    }
}
