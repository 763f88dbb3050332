using System.Numerics;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Collects images one at a time, already at the network's input height and width, and stacks them into an
/// <see cref="ImageTensorDataset"/>. Each image is kept channels-last in its final type from the moment it arrives:
/// bytes for 8-bit images, so a training set costs its input size in bytes and never the size of the files' pictures;
/// grayscale images keep one channel until the end, when the set's channel count is known.
/// </summary>
internal sealed class ImageTensorDatasetBuilder
{
    /// <summary>Images are copied into the dataset's tensor a block of at most this many bytes at a time.</summary>
    private const long BlockBytes = 64L << 20;

    private readonly int _height;
    private readonly int _width;
    private readonly bool _eightBit;
    private readonly List<Array?> _images = new(); // byte[] or float[], H x W x (1 or 3)
    private readonly List<long> _labels = new();

    /// <param name="height">The network input's height.</param>
    /// <param name="width">The network input's width.</param>
    /// <param name="eightBit">True to keep whole 0..255 values as bytes; false to keep floats.</param>
    public ImageTensorDatasetBuilder(int height, int width, bool eightBit)
    {
        _height = height;
        _width = width;
        _eightBit = eightBit;
    }

    /// <summary>The number of images added.</summary>
    public int Count => _images.Count;

    /// <summary>True while every image added has one channel.</summary>
    public bool AllSingleChannel { get; private set; } = true;

    private int Plane => _height * _width;

    /// <summary>Adds one image, channel-planar (<paramref name="channels"/> x H x W values), with its class index.</summary>
    public void Add(ReadOnlySpan<float> planar, int channels, long label)
    {
        if (channels is not (1 or 3) || planar.Length != channels * Plane)
            throw new ArgumentException($"Expected 1 or 3 planes of {_height}x{_width}; got {planar.Length} values for {channels} channels.");
        _images.Add(_eightBit ? Interleave<byte>(planar, channels) : Interleave<float>(planar, channels));
        _labels.Add(label);
        AllSingleChannel &= channels == 1;
    }

    /// <summary>
    /// The dataset, with <paramref name="channels"/> channels (one-channel images are repeated into three when 3).
    /// The builder is empty afterwards: each image is released once it is in the tensor.
    /// </summary>
    public ImageTensorDataset Build(int channels, int classCount)
    {
        if (channels == 1 && !AllSingleChannel)
            throw new InvalidOperationException("Colour images cannot be stacked as one channel.");
        long count = _images.Count;
        long imageValues = (long)Plane * channels;
        var pixels = empty(new[] { count, _height, _width, channels }, _eightBit ? ScalarType.Byte : ScalarType.Float32);
        try
        {
            long perBlock = Math.Max(1, BlockBytes / (imageValues * (_eightBit ? 1 : 4)));
            for (long start = 0; start < count; start += perBlock)
            {
                int length = (int)Math.Min(perBlock, count - start);
                using var block = _eightBit
                    ? tensor(Stack<byte>(start, length, channels), new long[] { length, _height, _width, channels })
                    : tensor(Stack<float>(start, length, channels), new long[] { length, _height, _width, channels });
                using var destination = pixels.narrow(0, start, length);
                destination.copy_(block);
            }

            var labels = tensor(_labels.ToArray());
            _images.Clear();
            _labels.Clear();
            return ImageTensorDataset.FromChannelsLast(pixels, labels, classCount);
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
    }

    /// <summary>Planar values to channels-last <typeparamref name="T"/> (bytes: the whole values 0..255 of an 8-bit image).</summary>
    private T[] Interleave<T>(ReadOnlySpan<float> planar, int channels) where T : INumberBase<T>
    {
        int plane = Plane;
        var result = new T[planar.Length];
        for (int c = 0; c < channels; c++)
        {
            var source = planar.Slice(c * plane, plane);
            for (int p = 0, i = c; p < plane; p++, i += channels)
                result[i] = T.CreateTruncating(source[p]);
        }
        return result;
    }

    private T[] Stack<T>(long start, int length, int channels)
    {
        int imageValues = Plane * channels;
        var block = new T[(long)length * imageValues];
        for (int i = 0; i < length; i++)
        {
            var image = (T[])_images[(int)(start + i)]!;
            var destination = block.AsSpan(i * imageValues, imageValues);
            if (image.Length == imageValues)
            {
                image.CopyTo(destination);
            }
            else
            {
                // A grayscale image among colour ones: the same value in every channel.
                for (int p = 0; p < image.Length; p++)
                    destination.Slice(p * channels, channels).Fill(image[p]);
            }

            _images[(int)(start + i)] = null;
        }
        return block;
    }
}
