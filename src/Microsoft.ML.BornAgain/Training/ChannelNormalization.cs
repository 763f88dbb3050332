using Microsoft.ML.BornAgain.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Per-channel mean and standard deviation computed from the training images, applied to every batch in training
/// and scoring (saved with the model so scoring sees exactly the training-time transformation).
/// </summary>
internal sealed record ChannelNormalization
{
    /// <summary>Creates a normalization from per-channel statistics.</summary>
    public ChannelNormalization(float[] mean, float[] standardDeviation)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(standardDeviation);
        if (mean.Length == 0 || mean.Length != standardDeviation.Length)
        {
            throw new ArgumentException(
                $"Mean and standard deviation need one value per channel; got {mean.Length} and {standardDeviation.Length}.");
        }

        if (standardDeviation.Any(s => !(s > 0) || float.IsInfinity(s)))
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), "Every standard deviation must be positive and finite.");
        Mean = (float[])mean.Clone();
        StandardDeviation = (float[])standardDeviation.Clone();
    }

    /// <summary>Per-channel mean.</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>Per-channel standard deviation (a channel with no variation gets 1, so it is only centred).</summary>
    public IReadOnlyList<float> StandardDeviation { get; }

    /// <summary>Number of channels.</summary>
    public int Channels => Mean.Count;

    /// <summary>Computes the statistics of <paramref name="images"/> ([N, C, H, W]) in double precision.</summary>
    public static ChannelNormalization FromImages(Tensor images)
    {
        using var scope = NewDisposeScope();
        var perChannel = images.transpose(0, 1).reshape(images.shape[1], -1).to_type(ScalarType.Float64); // [C, N*H*W]
        var mean = perChannel.mean(new long[] { 1 });
        var std = perChannel.std(1, unbiased: false);
        var means = mean.to_type(ScalarType.Float32).data<float>().ToArray();
        var stds = std.to_type(ScalarType.Float32).data<float>().ToArray()
            .Select(s => s > 1e-6f ? s : 1f)
            .ToArray();
        return new ChannelNormalization(means, stds);
    }

    /// <summary>Returns (images - mean) / std for a batch [B, C, H, W] on any device.</summary>
    public Tensor Apply(Tensor images)
    {
        if (images.shape[1] != Channels)
            throw new ArgumentException($"Expected {Channels} channels; got {images.shape[1]}.", nameof(images));
        using var scope = NewDisposeScope();
        var mean = tensor(Mean.ToArray(), device: images.device).view(1, -1, 1, 1);
        var std = tensor(StandardDeviation.ToArray(), device: images.device).view(1, -1, 1, 1);
        return ((images - mean) / std).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The network input for raw images [B, C, H, W]: on <paramref name="device"/>, normalized, and in the memory
    /// order the convolutions run fastest with (<see cref="ChannelsLastLayout"/>). Training, evaluation and scoring all
    /// prepare their batches here, so they cannot drift apart.
    /// </summary>
    internal Tensor ToNetworkInput(Tensor images, Device device)
    {
        using var scope = NewDisposeScope();
        // Arranged after normalizing: an element-wise operation keeps channels-last strides only where they differ
        // from the default ones, which they do not for one channel.
        return ChannelsLastLayout.Arrange(Apply(images.to(device))).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public bool Equals(ChannelNormalization? other) =>
        other is not null && Mean.SequenceEqual(other.Mean) && StandardDeviation.SequenceEqual(other.StandardDeviation);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Channels, Mean[0], StandardDeviation[0]);
}
