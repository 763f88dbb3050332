using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// Pre-activation ResNet for small images (He et al. 2016, "Identity Mappings in Deep Residual Networks",
/// arXiv:1603.05027): conv3x3 stem with 16 channels, three stages of n = (depth - 2) / 6 pre-activation basic blocks
/// with 16w/32w/64w channels at strides 1, 2, 2, final BN-ReLU, adaptive average pooling and <c>fc</c>.
/// </summary>
/// <remarks>
/// state_dict keys: <c>conv1.weight</c>, <c>layer1.0.bn1.weight</c>, <c>layer2.0.convShortcut.weight</c>,
/// <c>bn1.weight</c>, <c>fc.weight</c>, <c>fc.bias</c>. Unlike He et al.'s CIFAR ResNets (option A, parameter-free
/// shortcuts) the shortcut is a 1x1 convolution whenever the shape changes.
/// </remarks>
internal sealed class PreActResNet : nn.Module<Tensor, Tensor>
{
    private const int StemChannels = 16;

    private readonly Module<Tensor, Tensor> conv1;
    private readonly Sequential layer1 = Sequential();
    private readonly Sequential layer2 = Sequential();
    private readonly Sequential layer3 = Sequential();
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Module<Tensor, Tensor> avgpool;
    private readonly Module<Tensor, Tensor> flatten;
    private readonly Module<Tensor, Tensor> fc;

    private readonly int _inputChannels;

    /// <summary>Creates the network; arguments are validated by <see cref="NetworkArchitecture"/>.</summary>
    /// <param name="depth">6n + 2 with n at least 1.</param>
    /// <param name="widthFactor">Multiplier of the stage widths 16/32/64.</param>
    /// <param name="inputChannels">Channels of the input images.</param>
    /// <param name="classCount">Number of output logits.</param>
    public PreActResNet(int depth, int widthFactor, int inputChannels, int classCount)
        : base($"PreActResNet-{depth}-{widthFactor}")
    {
        var blocksPerStage = (depth - 2) / 6;
        int[] stageChannels = [16 * widthFactor, 32 * widthFactor, 64 * widthFactor];

        conv1 = Conv2d(inputChannels, StemChannels, kernel_size: 3, stride: 1, padding: 1, bias: false);
        var channels = StemChannels;
        channels = AppendStage(layer1, channels, stageChannels[0], blocksPerStage, stride: 1);
        channels = AppendStage(layer2, channels, stageChannels[1], blocksPerStage, stride: 2);
        channels = AppendStage(layer3, channels, stageChannels[2], blocksPerStage, stride: 2);
        bn1 = new BatchNormalization(channels);
        avgpool = AdaptiveAvgPool2d(1);
        flatten = Flatten();
        fc = Linear(channels, classCount);

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
        features = layer1.call(features);                          // [B, 16w, H, W]
        features = layer2.call(features);                          // [B, 32w, H/2, W/2]
        features = layer3.call(features);                          // [B, 64w, H/4, W/4]
        features = functional.relu(bn1.call(features), inplace: true);
        var logits = fc.call(flatten.call(avgpool.call(features))); // [B, classCount]
        return logits.MoveToOuterDisposeScope();
    }

    private static int AppendStage(Sequential stage, int inputChannels, int outputChannels, int blocks, int stride)
    {
        stage.append(new PreActBasicBlock(inputChannels, outputChannels, stride, dropoutRate: 0));
        for (var i = 1; i < blocks; i++)
        {
            stage.append(new PreActBasicBlock(outputChannels, outputChannels, stride: 1, dropoutRate: 0));
        }

        return outputChannels;
    }
}
