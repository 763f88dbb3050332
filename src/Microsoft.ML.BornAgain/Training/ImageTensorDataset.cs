using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Images and labels held as tensors, decoded once before training: the training loop only gathers from them.
/// </summary>
/// <remarks>
/// <para>
/// The pixels are stored channels-last, [N, H, W, C], as <see cref="ScalarType.Byte"/> when they are whole numbers
/// 0..255 (every image decoded from a file: a quarter of the memory of floats) or as <see cref="ScalarType.Float32"/>
/// (pixel vectors, whose values are the user's). Channels-last storage lets a batch's crop, flip and gather be one
/// indexing operation and hands the networks the NHWC order their convolutions run fastest with
/// (<see cref="Networks.ChannelsLastLayout"/>) without another copy.
/// </para>
/// <para>
/// Values are raw (for example 0..255); the per-channel normalization is computed from the training set by the
/// engine. Labels are <see cref="ScalarType.Int64"/> class indices in [0, <see cref="ClassCount"/>). The dataset owns
/// its tensors and frees them on <see cref="Dispose"/>.
/// </para>
/// </remarks>
internal sealed class ImageTensorDataset : IDisposable
{
    private readonly Tensor _pixels; // [N, H, W, C]

    /// <summary>Creates a dataset from a copy of <paramref name="images"/> and takes ownership of <paramref name="labels"/>.</summary>
    /// <param name="images">Byte or Float32 images, shape [N, C, H, W] in any memory order; the caller still owns them.</param>
    /// <param name="labels">Int64 class indices, shape [N].</param>
    /// <param name="classCount">The number of classes; labels must be in [0, classCount).</param>
    public ImageTensorDataset(Tensor images, Tensor labels, int classCount)
        : this(labels, classCount, ChannelsLastCopy(images))
    {
    }

    private ImageTensorDataset(Tensor labels, int classCount, Tensor ownedChannelsLastPixels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        long count = ownedChannelsLastPixels.shape[0];
        if (labels.dim() != 1 || labels.shape[0] != count)
        {
            throw new ArgumentException(
                $"Labels must have shape [{count}] to match the images; got {FormatShape(labels.shape)}.", nameof(labels));
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

        _pixels = ownedChannelsLastPixels.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        ClassCount = classCount;
    }

    /// <summary>
    /// Creates a dataset that takes ownership of <paramref name="channelsLastPixels"/> ([N, H, W, C], Byte or Float32,
    /// contiguous) and <paramref name="labels"/>, without copying the pixels.
    /// </summary>
    public static ImageTensorDataset FromChannelsLast(Tensor channelsLastPixels, Tensor labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(channelsLastPixels);
        if (channelsLastPixels.dim() != 4)
            throw new ArgumentException($"Pixels must have shape [N, H, W, C]; got {FormatShape(channelsLastPixels.shape)}.", nameof(channelsLastPixels));
        CheckType(channelsLastPixels.dtype, nameof(channelsLastPixels));
        if (!channelsLastPixels.is_contiguous())
            throw new ArgumentException("Pixels must be contiguous.", nameof(channelsLastPixels));
        return new ImageTensorDataset(labels, classCount, channelsLastPixels);
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

        using var planar = tensor(pixels, new long[] { labels.Length, channels, height, width });
        return new ImageTensorDataset(planar, tensor(labels), classCount);
    }

    /// <summary>
    /// The images as [N, C, H, W]: a channels-last view of the stored pixels (no copy), Byte or Float32 with raw
    /// values. Convert before arithmetic: byte arithmetic wraps around.
    /// </summary>
    public Tensor Images => _pixels.permute(0, 3, 1, 2);

    /// <summary>The stored pixels, [N, H, W, C], contiguous.</summary>
    public Tensor ChannelsLastPixels => _pixels;

    /// <summary>Int64 class indices, shape [N].</summary>
    public Tensor Labels { get; }

    /// <summary>The number of classes (from the label's key type, not from the labels that occur).</summary>
    public int ClassCount { get; }

    /// <summary>The number of images.</summary>
    public int Count => (int)_pixels.shape[0];

    /// <summary>Channels per image (1 for grayscale, 3 for colour).</summary>
    public int Channels => (int)_pixels.shape[3];

    /// <summary>Image height in pixels.</summary>
    public int Height => (int)_pixels.shape[1];

    /// <summary>Image width in pixels.</summary>
    public int Width => (int)_pixels.shape[2];

    /// <inheritdoc/>
    public void Dispose()
    {
        _pixels.Dispose();
        Labels.Dispose();
    }

    internal static string FormatShape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static Tensor ChannelsLastCopy(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4)
            throw new ArgumentException($"Images must have shape [N, C, H, W]; got {FormatShape(images.shape)}.", nameof(images));
        CheckType(images.dtype, nameof(images));
        using var view = images.permute(0, 2, 3, 1);
        return view.contiguous();
    }

    private static void CheckType(ScalarType type, string parameterName)
    {
        if (type != ScalarType.Float32 && type != ScalarType.Byte)
            throw new ArgumentException($"Images must be Byte or Float32; got {type}.", parameterName);
    }
}
