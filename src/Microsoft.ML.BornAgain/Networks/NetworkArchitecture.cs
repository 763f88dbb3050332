using System.Globalization;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain;

/// <summary>
/// An immutable, validated description of a network (family, depth, widths, rates) that creates fresh, randomly
/// initialised networks; equality is by value and the canonical name round-trips through <see cref="Parse"/>.
/// </summary>
/// <remarks>
/// Every network is pre-activation (He et al. 2016): conv3x3 stem, three stages at strides 1, 2, 2, final BN-ReLU,
/// adaptive average pooling to 1x1 (any image size of at least 8x8) and a linear head. Weights are drawn from the
/// global torch generator, so call <c>torch.manual_seed</c> first for a reproducible network.
/// </remarks>
public sealed partial record NetworkArchitecture
{
    // DenseNet-BC's theta in Huang et al. 2017; written in names only when it differs.
    private const double DefaultCompression = 0.5;

    private NetworkArchitecture(
        NetworkFamily family, int depth, int widthFactor, int growthRate, double compression, double dropoutRate)
    {
        Family = family;
        Depth = depth;
        WidthFactor = widthFactor;
        GrowthRate = growthRate;
        Compression = compression;
        DropoutRate = dropoutRate;
    }

    /// <summary>The network family.</summary>
    public NetworkFamily Family { get; }

    /// <summary>
    /// The depth as the family's paper counts it (6n+2 for PreActResNet, 6n+4 for WRN); for DenseNet-BC any depth of
    /// at least 10, with n = floor((depth - 4) / 6) layers per block, so the Born-Again paper's DenseNet-90-60 and
    /// DenseNet-80-80 have names.
    /// </summary>
    public int Depth { get; }

    /// <summary>
    /// The width multiplier: WRN's k; for PreActResNet the stage widths are 16/32/64 times this; 1 (unused) for
    /// DenseNet-BC.
    /// </summary>
    public int WidthFactor { get; }

    /// <summary>DenseNet-BC's growth rate k; 0 for the other families.</summary>
    public int GrowthRate { get; }

    /// <summary>DenseNet-BC's transition compression theta in (0, 1]; 0 for the other families.</summary>
    public double Compression { get; }

    /// <summary>
    /// Dropout probability in [0, 1): WRN drops between the two convolutions of a block, DenseNet-BC after each
    /// convolution; always 0 for PreActResNet.
    /// </summary>
    public double DropoutRate { get; }

    /// <summary>Describes a pre-activation ResNet for small images (He et al. 2016, arXiv:1603.05027).</summary>
    /// <param name="depth">6n + 2 with n at least 1 (8, 14, 20, 32, 56, 110, ...): n basic blocks per stage.</param>
    /// <param name="widthFactor">Multiplier of the stage widths 16/32/64; at least 1.</param>
    /// <returns>
    /// The description. PreActResNet-20 has 272,282 parameters for 3 channels and 10 classes; the small
    /// <c>PreActResNet-8</c> (one block per stage, 77,850 parameters) trains in seconds on a CPU.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">A rule above is broken.</exception>
    public static NetworkArchitecture PreActResNet(int depth = 20, int widthFactor = 1)
    {
        RequireDepth(depth, offset: 2, "PreActResNet");
        RequireAtLeastOne(widthFactor, nameof(widthFactor));
        return new(NetworkFamily.PreActResNet, depth, widthFactor, growthRate: 0, compression: 0, dropoutRate: 0);
    }

    /// <summary>Describes a wide residual network WRN-d-k (Zagoruyko and Komodakis 2016, arXiv:1605.07146).</summary>
    /// <param name="depth">6n + 4 with n at least 1 (10, 16, 28, 40, ...): n blocks per group.</param>
    /// <param name="widenFactor">The width multiplier k; at least 1.</param>
    /// <param name="dropoutRate">Dropout between the convolutions of each block, in [0, 1); the WRN paper uses 0.3.</param>
    /// <returns>
    /// The description. WRN-28-10 has 36,479,194 parameters for 3 channels and 10 classes; the small <c>WRN-10-1</c>
    /// (77,850 parameters; the same layers as PreActResNet-8) trains in seconds on a CPU.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">A rule above is broken.</exception>
    public static NetworkArchitecture WideResNet(int depth, int widenFactor, double dropoutRate = 0)
    {
        RequireDepth(depth, offset: 4, "WRN");
        RequireAtLeastOne(widenFactor, nameof(widenFactor));
        RequireDropout(dropoutRate);
        return new(NetworkFamily.WideResNet, depth, widenFactor, growthRate: 0, compression: 0, dropoutRate);
    }

    /// <summary>Describes a DenseNet-BC (Huang et al. 2017, arXiv:1608.06993).</summary>
    /// <param name="depth">At least 10: n = floor((depth - 4) / 6) bottleneck layers per block, exactly (depth - 4) / 6
    /// for the DenseNet paper's depths 6n + 4 (40, 100, 190, 250, ...). Other depths round down as the common PyTorch
    /// CIFAR code does ("(depth - 4) // 3 layers, halved for bottlenecks"), which is how the Born-Again paper's
    /// DenseNet-90-60 (14 layers per block) and DenseNet-80-80 and -80-120 (12) are read; docs/design.md compares their
    /// parameter counts with the paper's.</param>
    /// <param name="growthRate">The growth rate k; at least 1.</param>
    /// <param name="compression">The transitions' compression theta in (0, 1]; 0.5 in the paper.</param>
    /// <param name="dropoutRate">Dropout after each convolution, in [0, 1).</param>
    /// <returns>
    /// The description. DenseNetBC-100-12 has 769,162 parameters for 3 channels and 10 classes; the small
    /// <c>DenseNetBC-10-8</c> (one layer per block, 9,630 parameters) trains in seconds on a CPU.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">A rule above is broken.</exception>
    public static NetworkArchitecture DenseNetBC(int depth, int growthRate, double compression = 0.5, double dropoutRate = 0)
    {
        if (depth < 10)
        {
            throw new ArgumentOutOfRangeException(
                nameof(depth), depth, $"depth must be at least 10 for DenseNetBC (floor((depth - 4) / 6) >= 1 layers per block), got {depth}.");
        }

        RequireAtLeastOne(growthRate, nameof(growthRate));
        if (!(compression > 0 && compression <= 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(compression), compression, $"compression must be in (0, 1], got {Format(compression)}.");
        }

        RequireDropout(dropoutRate);
        if (Networks.DenseNetBC.FinalChannels(depth, growthRate, compression) == 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(compression), compression,
                $"compression {Format(compression)} leaves a transition of DenseNetBC-{depth}-{growthRate} with no channel.");
        }

        return new(NetworkFamily.DenseNetBC, depth, widthFactor: 1, growthRate, compression, dropoutRate);
    }

    /// <summary>Creates a new, randomly initialised network of this architecture.</summary>
    /// <param name="inputChannels">Channels of the input images (1 for grayscale, 3 for RGB); at least 1.</param>
    /// <param name="classCount">Number of classes, the width of the output logits; at least 1.</param>
    /// <returns>A module mapping images [B, inputChannels, H, W] with H, W at least 8 to logits [B, classCount].</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is below 1.</exception>
    internal nn.Module<Tensor, Tensor> CreateNetwork(int inputChannels, int classCount)
    {
        RequireAtLeastOne(inputChannels, nameof(inputChannels));
        RequireAtLeastOne(classCount, nameof(classCount));
        Networks.ConvolutionBackends.Configure();
        return Family switch
        {
            NetworkFamily.PreActResNet => new Networks.PreActResNet(Depth, WidthFactor, inputChannels, classCount),
            NetworkFamily.WideResNet => new Networks.WideResNet(Depth, WidthFactor, DropoutRate, inputChannels, classCount),
            NetworkFamily.DenseNetBC =>
                new Networks.DenseNetBC(Depth, GrowthRate, Compression, DropoutRate, inputChannels, classCount),
            _ => throw new InvalidOperationException($"Unknown network family {Family}."),
        };
    }

    /// <summary>
    /// The canonical name: <c>PreActResNet-20</c> or <c>PreActResNet-20-2</c> (width factor 2); <c>WRN-28-10</c> or
    /// <c>WRN-28-10-0.3</c> (dropout 0.3); <c>DenseNetBC-100-12</c>, <c>DenseNetBC-100-12-0.75</c> (compression 0.75) or
    /// <c>DenseNetBC-100-12-0.5-0.2</c> (compression 0.5, dropout 0.2). Optional parts are written only when they
    /// differ from their defaults.
    /// </summary>
    /// <returns>A name that <see cref="Parse"/> turns back into an equal architecture.</returns>
    public override string ToString() => Family switch
    {
        NetworkFamily.PreActResNet => WidthFactor == 1 ? $"PreActResNet-{Depth}" : $"PreActResNet-{Depth}-{WidthFactor}",
        NetworkFamily.WideResNet =>
            DropoutRate == 0 ? $"WRN-{Depth}-{WidthFactor}" : $"WRN-{Depth}-{WidthFactor}-{Format(DropoutRate)}",
        NetworkFamily.DenseNetBC => DropoutRate != 0
            ? $"DenseNetBC-{Depth}-{GrowthRate}-{Format(Compression)}-{Format(DropoutRate)}"
            : Compression != DefaultCompression
                ? $"DenseNetBC-{Depth}-{GrowthRate}-{Format(Compression)}"
                : $"DenseNetBC-{Depth}-{GrowthRate}",
        _ => Family.ToString(),
    };

    private static void RequireDepth(int depth, int offset, string familyName)
    {
        if (depth < 6 + offset || (depth - offset) % 6 != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(depth), depth, $"depth must be 6n+{offset} with n >= 1 for {familyName}, got {depth}.");
        }
    }

    private static void RequireAtLeastOne(int value, string name)
    {
        if (value < 1)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1, got {value}.");
        }
    }

    private static void RequireDropout(double dropoutRate)
    {
        if (!(dropoutRate >= 0 && dropoutRate < 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(dropoutRate), dropoutRate, $"dropoutRate must be in [0, 1), got {Format(dropoutRate)}.");
        }
    }

    // Shortest round-trip form, culture-independent: Parse(ToString()) gives back the identical double.
    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
