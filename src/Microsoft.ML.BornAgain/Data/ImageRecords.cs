using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain;

/// <summary>
/// Decoded images of one data set held in memory: 8-bit pixels in N x C x H x W (channel-planar) order, an integer
/// label per image and the class names that the labels index. This is the engine-level form of a data set
/// (benchmarks, the study); <see cref="DataOperationsCatalogExtensions.LoadFromImageRecords"/> turns it into an
/// <see cref="IDataView"/> with <c>Label</c> and <c>Image</c> columns.
/// </summary>
/// <remarks>
/// The arrays are shared, not copied, so that a 60,000-image data set is held once (CIFAR-10's 50,000 training images
/// take 153.6 MB). Channels are R, G, B for colour images and a single gray plane for grayscale images.
/// </remarks>
public sealed class ImageRecords
{
    /// <summary>Creates records over the given arrays (not copied) after checking that their sizes agree.</summary>
    /// <param name="pixels">N x C x H x W bytes, channel-planar per image.</param>
    /// <param name="labels">N labels, each in [0, <paramref name="classNames"/>.Count).</param>
    /// <param name="classNames">The name of each class, indexed by label.</param>
    /// <param name="channels">Planes per image: 1 (gray) or 3 (R, G, B).</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    public ImageRecords(byte[] pixels, int[] labels, IReadOnlyList<string> classNames, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (channels != 1 && channels != 3)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be 1 (gray) or 3 (R, G, B).");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (classNames.Count == 0)
        {
            throw new ArgumentException("At least one class name is required; found none.", nameof(classNames));
        }

        long expectedPixels = (long)labels.Length * channels * height * width;
        if (pixels.LongLength != expectedPixels)
        {
            throw new ArgumentException(
                $"Pixels must hold labels.Length x channels x height x width = {labels.Length} x {channels} x {height} x {width} = "
                + $"{expectedPixels} bytes; found {pixels.LongLength}.", nameof(pixels));
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classNames.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i],
                    $"Label of image {i} must be in [0, {classNames.Count}) (the class count).");
            }
        }

        Pixels = pixels;
        Labels = labels;
        ClassNames = classNames;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>All pixels, N x C x H x W, channel-planar per image (the array itself, not a copy).</summary>
    public byte[] Pixels { get; }

    /// <summary>The label of each image, an index into <see cref="ClassNames"/> (the array itself, not a copy).</summary>
    public int[] Labels { get; }

    /// <summary>Class names indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Planes per image: 1 (gray) or 3 (R, G, B).</summary>
    public int Channels { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Bytes per image: <see cref="Channels"/> x <see cref="Height"/> x <see cref="Width"/>.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>The C x H x W planar pixels of one image.</summary>
    /// <param name="index">Image index in [0, <see cref="Count"/>).</param>
    public ReadOnlySpan<byte> GetPixels(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Pixels.AsSpan(index * ImageSize, ImageSize);
    }

    /// <summary>
    /// Creates an <see cref="MLImage"/> of one image in <see cref="PixelFormat"/> (alpha 255), the format that ML.NET's
    /// <c>LoadImages</c> gives decoded PNG/JPEG files; a gray image gets R = G = B. The caller owns (disposes) it.
    /// </summary>
    /// <param name="index">Image index in [0, <see cref="Count"/>).</param>
    public MLImage CreateImage(int index)
    {
        var planar = GetPixels(index);
        int planeSize = Height * Width;
        var interleaved = new byte[planeSize * 4];

        // Bgra32 byte order in memory is B, G, R, A; the planar source order is R, G, B (or one gray plane).
        var red = planar[..planeSize];
        var green = Channels == 3 ? planar.Slice(planeSize, planeSize) : red;
        var blue = Channels == 3 ? planar.Slice(2 * planeSize, planeSize) : red;
        for (var p = 0; p < planeSize; p++)
        {
            interleaved[4 * p] = blue[p];
            interleaved[4 * p + 1] = green[p];
            interleaved[4 * p + 2] = red[p];
            interleaved[4 * p + 3] = byte.MaxValue;
        }

        return MLImage.CreateFromPixels(Width, Height, PixelFormat, interleaved);
    }

    /// <summary>
    /// The pixel format of the images that <see cref="CreateImage"/> makes: <see cref="MLPixelFormat.Bgra32"/>, what
    /// ML.NET 5's <c>LoadImages</c> (SkiaSharp) gives for PNG and JPEG files on little-endian machines.
    /// </summary>
    public static MLPixelFormat PixelFormat => MLPixelFormat.Bgra32;
}
