using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// Wide residual network WRN-d-k (Zagoruyko and Komodakis 2016, arXiv:1605.07146, Table 1): conv3x3 stem with 16
/// channels, three groups of n = (d - 4) / 6 pre-activation blocks with 16k/32k/64k channels at strides 1, 2, 2,
/// optional dropout between each block's convolutions, final BN-ReLU, adaptive average pooling and <c>fc</c>.
/// </summary>
/// <remarks>
/// Submodule names match the WRN reference code (xternalz/WideResNet-pytorch, <c>wideresnet.py</c>), whose groups are
/// <c>NetworkBlock</c>s holding a <c>layer</c> Sequential: keys <c>conv1.weight</c>,
/// <c>block1.layer.0.bn1.weight</c>, <c>block1.layer.0.conv1.weight</c>, <c>block2.layer.0.convShortcut.weight</c>,
/// <c>bn1.weight</c>, <c>fc.weight</c>, <c>fc.bias</c>.
/// </remarks>
internal sealed class WideResNet : nn.Module<Tensor, Tensor>
{
    private const int StemChannels = 16;

    private readonly Module<Tensor, Tensor> conv1;
    private readonly Sequential block1;
    private readonly Sequential block2;
    private readonly Sequential block3;
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Module<Tensor, Tensor> avgpool;
    private readonly Module<Tensor, Tensor> flatten;
    private readonly Module<Tensor, Tensor> fc;

    private readonly int _inputChannels;

    /// <summary>Creates the network; arguments are validated by <see cref="NetworkArchitecture"/>.</summary>
    /// <param name="depth">6n + 4 with n at least 1.</param>
    /// <param name="widenFactor">The WRN width multiplier k.</param>
    /// <param name="dropoutRate">Dropout probability between the two convolutions of every block.</param>
    /// <param name="inputChannels">Channels of the input images.</param>
    /// <param name="classCount">Number of output logits.</param>
    public WideResNet(int depth, int widenFactor, double dropoutRate, int inputChannels, int classCount)
        : base($"WRN-{depth}-{widenFactor}")
    {
        var blocksPerGroup = (depth - 4) / 6;

        conv1 = Conv2d(inputChannels, StemChannels, kernel_size: 3, stride: 1, padding: 1, bias: false);
        block1 = CreateGroup(StemChannels, 16 * widenFactor, blocksPerGroup, stride: 1, dropoutRate);
        block2 = CreateGroup(16 * widenFactor, 32 * widenFactor, blocksPerGroup, stride: 2, dropoutRate);
        block3 = CreateGroup(32 * widenFactor, 64 * widenFactor, blocksPerGroup, stride: 2, dropoutRate);
        bn1 = new BatchNormalization(64 * widenFactor);
        avgpool = AdaptiveAvgPool2d(1);
        flatten = Flatten();
        fc = Linear(64 * widenFactor, classCount);

        _inputChannels = inputChannels;
        RegisterComponents();
        NetworkInitialization.Apply(this);
    }

    /// <summary>Maps images [B, C, H, W] (H, W at least 8) to logits [B, classCount].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var images = NetworkInput.Prepare(input, _inputChannels, GetName());

        var features = conv1.call(images);                         // [B, 16, H, W]
        features = block1.call(features);                          // [B, 16k, H, W]
        features = block2.call(features);                          // [B, 32k, H/2, W/2]
        features = block3.call(features);                          // [B, 64k, H/4, W/4]
        features = functional.relu(bn1.call(features), inplace: true);
        var logits = fc.call(flatten.call(avgpool.call(features))); // [B, classCount]
        return logits.MoveToOuterDisposeScope();
    }

    // The reference code's NetworkBlock only wraps a Sequential named "layer"; a Sequential with that one named child
    // gives the same state_dict keys without another module type.
    private static Sequential CreateGroup(int inputChannels, int outputChannels, int blocks, int stride, double dropoutRate)
    {
        var layer = Sequential();
        for (var i = 0; i < blocks; i++)
        {
            layer.append(new PreActBasicBlock(
                i == 0 ? inputChannels : outputChannels, outputChannels, i == 0 ? stride : 1, dropoutRate));
        }

        return Sequential(("layer", (Module<Tensor, Tensor>)layer));
    }
}
