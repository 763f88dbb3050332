using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// DenseNet-BC for small images (Huang et al. 2017, arXiv:1608.06993, Sec. 4 "Implementation Details"): conv3x3 stem
/// with 2k channels, three dense blocks of n = (depth - 4) / 6 bottleneck layers separated by compressing
/// transitions, final BN-ReLU, adaptive average pooling and <c>classifier</c>.
/// </summary>
/// <remarks>
/// Submodule names follow torchvision's <c>densenet.py</c>: <c>features.conv0</c>,
/// <c>features.denseblock1.denselayer1.norm1</c>/<c>conv1</c>/<c>norm2</c>/<c>conv2</c>,
/// <c>features.transition1.norm</c>/<c>conv</c>, <c>features.norm5</c> (torchvision's fixed name for the final norm,
/// kept even though there are three blocks here) and <c>classifier</c>. The CIFAR stem has no
/// <c>norm0</c>/<c>pool0</c>.
/// </remarks>
internal sealed class DenseNetBC : nn.Module<Tensor, Tensor>
{
    private const int BlockCount = 3;

    private readonly Sequential features;
    private readonly Module<Tensor, Tensor> avgpool;
    private readonly Module<Tensor, Tensor> flatten;
    private readonly Module<Tensor, Tensor> classifier;

    private readonly int _inputChannels;

    /// <summary>Creates the network; arguments are validated by <see cref="NetworkArchitecture"/>.</summary>
    /// <param name="depth">6n + 4 with n at least 1.</param>
    /// <param name="growthRate">The growth rate k.</param>
    /// <param name="compression">The transitions' compression factor theta in (0, 1].</param>
    /// <param name="dropoutRate">Dropout probability after each convolution.</param>
    /// <param name="inputChannels">Channels of the input images.</param>
    /// <param name="classCount">Number of output logits.</param>
    public DenseNetBC(int depth, int growthRate, double compression, double dropoutRate, int inputChannels, int classCount)
        : base($"DenseNetBC-{depth}-{growthRate}")
    {
        var layersPerBlock = (depth - 4) / 6;
        var channels = 2 * growthRate;

        features = Sequential();
        features.append("conv0", Conv2d(inputChannels, channels, kernel_size: 3, padding: 1, bias: false));
        for (var block = 1; block <= BlockCount; block++)
        {
            features.append($"denseblock{block}", new DenseBlock(layersPerBlock, channels, growthRate, dropoutRate));
            channels = DenseBlock.OutputChannels(layersPerBlock, channels, growthRate);
            if (block < BlockCount)
            {
                var compressed = Transition.OutputChannels(channels, compression);
                features.append($"transition{block}", new Transition(channels, compressed, dropoutRate));
                channels = compressed;
            }
        }

        features.append("norm5", new BatchNormalization(channels));
        avgpool = AdaptiveAvgPool2d(1);
        flatten = Flatten();
        classifier = Linear(channels, classCount);

        _inputChannels = inputChannels;
        RegisterComponents();
        NetworkInitialization.Apply(this);
    }

    /// <summary>
    /// The channel count entering <c>classifier</c>, or 0 if a transition would compress to no channel at all.
    /// </summary>
    public static int FinalChannels(int depth, int growthRate, double compression)
    {
        var layersPerBlock = (depth - 4) / 6;
        var channels = 2 * growthRate;
        for (var block = 1; block <= BlockCount; block++)
        {
            channels = DenseBlock.OutputChannels(layersPerBlock, channels, growthRate);
            if (block < BlockCount)
            {
                channels = Transition.OutputChannels(channels, compression);
                if (channels == 0)
                {
                    return 0;
                }
            }
        }

        return channels;
    }

    /// <summary>Maps images [B, C, H, W] (H, W at least 8) to logits [B, classCount].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var images = NetworkInput.Prepare(input, _inputChannels, GetName());

        var maps = functional.relu(features.call(images), inplace: true); // [B, C_final, H/4, W/4]
        var logits = classifier.call(flatten.call(avgpool.call(maps)));   // [B, classCount]
        return logits.MoveToOuterDisposeScope();
    }
}
