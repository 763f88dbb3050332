using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Images and labels held as tensors, decoded once before training: the training loop only slices them.
/// </summary>
/// <remarks>
/// Images are <see cref="ScalarType.Float32"/> in [N, C, H, W] layout with raw pixel values (for example 0..255);
/// per-channel normalization is computed from the training set by the engine. Labels are
/// <see cref="ScalarType.Int64"/> class indices in [0, <see cref="ClassCount"/>).
/// The dataset owns its tensors and frees them on <see cref="Dispose"/>.
/// </remarks>
internal sealed class ImageTensorDataset : IDisposable
{
    /// <summary>Creates a dataset that takes ownership of <paramref name="images"/> and <paramref name="labels"/>.</summary>
    /// <param name="images">Float32 images, shape [N, C, H, W].</param>
    /// <param name="labels">Int64 class indices, shape [N].</param>
    /// <param name="classCount">The number of classes; labels must be in [0, classCount).</param>
    public ImageTensorDataset(Tensor images, Tensor labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.dim() != 4)
            throw new ArgumentException($"Images must have shape [N, C, H, W]; got {FormatShape(images.shape)}.", nameof(images));
        if (images.dtype != ScalarType.Float32)
            throw new ArgumentException($"Images must be Float32; got {images.dtype}.", nameof(images));
        if (labels.dim() != 1 || labels.shape[0] != images.shape[0])
        {
            throw new ArgumentException(
                $"Labels must have shape [{images.shape[0]}] to match the images; got {FormatShape(labels.shape)}.", nameof(labels));
        }

        if (labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"Labels must be Int64; got {labels.dtype}.", nameof(labels));
        if (classCount < 1)
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "Must be at least 1.");
        if (labels.numel() > 0)
        {
            long min = labels.min().item<long>(), max = labels.max().item<long>();
            if (min < 0 || max >= classCount)
            {
                throw new ArgumentOutOfRangeException(nameof(labels),
                    $"Labels must be in [0, {classCount}); found values from {min} to {max}.");
            }
        }

        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        ClassCount = classCount;
    }

    /// <summary>Creates a dataset from channel-planar pixels (N x C x H x W values in that order) and labels.</summary>
    public static ImageTensorDataset FromArrays(float[] pixels, long[] labels, int channels, int height, int width, int classCount)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        long expected = (long)labels.Length * channels * height * width;
        if (pixels.LongLength != expected)
        {
            throw new ArgumentException(
                $"Expected {labels.Length} x {channels} x {height} x {width} = {expected} pixel values; got {pixels.LongLength}.",
                nameof(pixels));
        }

        return new ImageTensorDataset(
            tensor(pixels, new long[] { labels.Length, channels, height, width }),
            tensor(labels),
            classCount);
    }

    /// <summary>Float32 images, shape [N, C, H, W].</summary>
    public Tensor Images { get; }

    /// <summary>Int64 class indices, shape [N].</summary>
    public Tensor Labels { get; }

    /// <summary>The number of classes (from the label's key type, not from the labels that occur).</summary>
    public int ClassCount { get; }

    /// <summary>The number of images.</summary>
    public int Count => (int)Images.shape[0];

    /// <summary>Channels per image (1 for grayscale, 3 for colour).</summary>
    public int Channels => (int)Images.shape[1];

    /// <summary>Image height in pixels.</summary>
    public int Height => (int)Images.shape[2];

    /// <summary>Image width in pixels.</summary>
    public int Width => (int)Images.shape[3];

    /// <inheritdoc/>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }

    internal static string FormatShape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
