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

    /// <summary>
    /// Computes the statistics of <paramref name="images"/> ([N, C, H, W], Byte or Float32) in double precision, a
    /// block of images at a time so that no double copy of the whole set is ever made.
    /// </summary>
    public static ChannelNormalization FromImages(Tensor images)
    {
        const long ImagesPerBlock = 1024;
        long count = images.shape[0], channels = images.shape[1];
        double values = (double)count * images.shape[2] * images.shape[3];
        var reduced = new long[] { 0, 2, 3 };
        using var scope = NewDisposeScope();
        var sum = zeros(channels, ScalarType.Float64);
        for (long start = 0; start < count; start += ImagesPerBlock)
        {
            using var block = NewDisposeScope();
            var pixels = images.narrow(0, start, Math.Min(ImagesPerBlock, count - start)).to_type(ScalarType.Float64);
            sum.add_(pixels.sum(reduced), KeptScalars.One);
        }
        using Scalar valueCount = values;
        var mean = sum.div(valueCount);

        // Second pass over the deviations: the variance of 0..255 values is exact enough this way, unlike E[x^2] - E[x]^2.
        var squares = zeros(channels, ScalarType.Float64);
        for (long start = 0; start < count; start += ImagesPerBlock)
        {
            using var block = NewDisposeScope();
            var pixels = images.narrow(0, start, Math.Min(ImagesPerBlock, count - start)).to_type(ScalarType.Float64);
            var deviations = pixels.sub(mean.view(1, -1, 1, 1));
            squares.add_(deviations.mul(deviations).sum(reduced), KeptScalars.One);
        }
        var std = squares.div(valueCount).sqrt();

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
    /// The network input for raw images [B, C, H, W] (Byte or Float32, any memory order): on <paramref name="device"/>,
    /// Float32, normalized, and in the memory order the convolutions run fastest with (<see cref="ChannelsLastLayout"/>).
    /// Training, evaluation and scoring all prepare their batches here, so they cannot drift apart.
    /// </summary>
    internal Tensor ToNetworkInput(Tensor images, Device device)
    {
        using var scope = NewDisposeScope();
        // Bytes cross to the device before they become floats: a quarter of the traffic.
        var values = images.to(device).to_type(ScalarType.Float32);
        // Arranged after normalizing: an element-wise operation keeps channels-last strides only where they differ
        // from the default ones, which they do not for one channel.
        var normalized = Apply(values);
        var input = device.type == DeviceType.CPU ? ChannelsLastLayout.Arrange(normalized) : normalized.contiguous();
        return input.MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public bool Equals(ChannelNormalization? other) =>
        other is not null && Mean.SequenceEqual(other.Mean) && StandardDeviation.SequenceEqual(other.StandardDeviation);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Channels, Mean[0], StandardDeviation[0]);
}
