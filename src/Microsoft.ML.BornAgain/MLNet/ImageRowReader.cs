using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// Reads the image of a row's current position as channel-planar floats at the image's own size. MLImage and
/// encoded bytes give 3 channels (R, G, B; alpha dropped) with values 0..255; pixel vectors give their declared
/// shape and values as they are.
/// </summary>
/// <remarks>
/// A reader made with <c>reuseBuffers</c> decodes every row into the same arrays (while the image size stays the
/// same), so each image is valid only until the next <see cref="Read"/>. Training converts each image before reading
/// the next, and reading a set of large photos then leaves no full-size copies for the collector, which lets them
/// pile up by gigabytes first.
/// </remarks>
internal sealed class ImageRowReader
{
    private readonly ImageColumnBinding _binding;
    private readonly DataViewRow _row;
    private readonly ValueGetter<MLImage>? _imageGetter;
    private readonly ValueGetter<VBuffer<byte>>? _bytesGetter;
    private readonly ValueGetter<VBuffer<float>>? _vectorGetter;
    private MLImage _image = null!;
    private VBuffer<byte> _bytes;
    private VBuffer<float> _vector;
    private readonly bool _reuseBuffers;
    private byte[] _encoded = Array.Empty<byte>();
    private float[] _pixels = Array.Empty<float>();

    public ImageRowReader(ImageColumnBinding binding, DataViewRow row, bool reuseBuffers = false)
    {
        _binding = binding;
        _row = row;
        _reuseBuffers = reuseBuffers;
        var column = row.Schema[binding.ColumnName];
        switch (binding.Kind)
        {
            case ImageColumnKind.Image: _imageGetter = row.GetGetter<MLImage>(column); break;
            case ImageColumnKind.EncodedBytes: _bytesGetter = row.GetGetter<VBuffer<byte>>(column); break;
            default: _vectorGetter = row.GetGetter<VBuffer<float>>(column); break;
        }
    }

    /// <summary>Reads the current row's image; errors name the column and the row.</summary>
    public DecodedImage Read()
    {
        switch (_binding.Kind)
        {
            case ImageColumnKind.Image:
                GetUpstream(_imageGetter!, ref _image);
                if (_image is null)
                    throw RowError("holds no image (was the file missing or unreadable?)");
                // Already decoded upstream (LoadImages): refuse it before making 12 bytes of floats per pixel.
                CheckPixels(_image.Width, _image.Height, "a decoded");
                return FromMLImage(_image, PixelBuffer(_image));
            case ImageColumnKind.EncodedBytes:
                GetUpstream(_bytesGetter!, ref _bytes);
                return DecodeBytes(_bytes);
            default:
                GetUpstream(_vectorGetter!, ref _vector);
                return FromVector(_vector);
        }
    }

    /// <summary>
    /// Calls an upstream getter (LoadImages, LoadRawImageBytes...) and puts the column and row on its failures, such
    /// as a missing or unreadable image file, so the user learns which row broke.
    /// </summary>
    private void GetUpstream<T>(ValueGetter<T> getter, ref T value)
    {
        try
        {
            getter(ref value);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            throw RowError($"could not be read: {e.GetBaseException().Message}", e);
        }
    }

    private DecodedImage DecodeBytes(VBuffer<byte> bytes)
    {
        if (bytes.Length == 0)
            throw RowError("holds no image bytes (an empty value)");
        var dense = EncodedBuffer(bytes.Length);
        bytes.CopyTo(dense);
        // The header says how large the image is: refuse an image bomb before a pixel is decoded.
        if (EncodedImageHeader.TryReadSize(dense.AsSpan(0, bytes.Length)) is { } size)
            CheckPixels(size.Width, size.Height, "an encoded");
        MLImage image;
        try
        {
            image = MLImage.CreateFromStream(new MemoryStream(dense, 0, bytes.Length, writable: false));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            throw RowError($"holds {bytes.Length} bytes that are not a decodable image (PNG, JPEG, BMP, GIF, WebP)", e);
        }
        using (image)
            return FromMLImage(image, PixelBuffer(image));
    }

    private void CheckPixels(int width, int height, string kind)
    {
        long pixels = EncodedImageHeader.PixelCount(width, height);
        if (pixels > _binding.MaxPixels)
        {
            throw RowError($"holds {kind} image of {width}x{height} = {pixels} pixels; at most {_binding.MaxPixels} are accepted " +
                "(option MaxImagePixels of the trainer, property MaxImagePixels of the transformer)");
        }
    }

    private DecodedImage FromVector(VBuffer<float> vector)
    {
        var shape = _binding.VectorShape!.Value;
        var pixels = new float[shape.PixelCount];
        vector.CopyTo(pixels);
        for (int i = 0; i < pixels.Length; i++)
        {
            if (!float.IsFinite(pixels[i]))
                throw RowError($"has a non-finite pixel value ({pixels[i]}) at index {i}");
        }
        return new DecodedImage(pixels, shape.Channels, shape.Height, shape.Width, IsGrayscale: shape.Channels == 1, IsEightBit: false);
    }

    private byte[] EncodedBuffer(int length)
    {
        if (!_reuseBuffers)
            return new byte[length];
        if (_encoded.Length < length)
            _encoded = new byte[length];
        return _encoded;
    }

    /// <summary>The array <see cref="FromMLImage(MLImage, float[])"/> fills: the reused one when it has the image's size.</summary>
    private float[]? PixelBuffer(MLImage image)
    {
        if (!_reuseBuffers)
            return null;
        long values = 3 * EncodedImageHeader.PixelCount(image.Width, image.Height);
        if (_pixels.LongLength != values && values <= Array.MaxLength)
            _pixels = new float[values];
        return _pixels;
    }

    /// <summary>Converts interleaved 32-bit pixels to planar R, G, B floats and notes whether R = G = B everywhere.</summary>
    internal static DecodedImage FromMLImage(MLImage image) => FromMLImage(image, null);

    /// <summary>As <see cref="FromMLImage(MLImage)"/>, into <paramref name="buffer"/> when it has exactly 3 x W x H values.</summary>
    private static DecodedImage FromMLImage(MLImage image, float[]? buffer)
    {
        int height = image.Height, width = image.Width;
        // Checked: past 46341^2 pixels an int product overflows; 3 floats per pixel must fit one array.
        long pixelCount = EncodedImageHeader.PixelCount(width, height);
        if (3 * pixelCount > Array.MaxLength)
            throw new InvalidDataException($"An image of {width}x{height} = {pixelCount} pixels is too large to convert to floats.");
        int plane = (int)pixelCount;
        var source = image.Pixels;
        if (image.BitsPerPixel != 32 || source.Length < 4L * plane)
            throw new InvalidDataException($"Expected a 32-bit image of {width}x{height}; got {image.BitsPerPixel} bits per pixel.");
        bool bgra = image.PixelFormat == MLPixelFormat.Bgra32;
        int red = bgra ? 2 : 0, blue = bgra ? 0 : 2;
        var pixels = buffer?.Length == 3 * plane ? buffer : new float[3 * plane];
        bool grayscale = true;
        for (int i = 0; i < plane; i++)
        {
            byte r = source[4 * i + red], g = source[4 * i + 1], b = source[4 * i + blue];
            pixels[i] = r;
            pixels[plane + i] = g;
            pixels[2 * plane + i] = b;
            grayscale &= r == g && g == b;
        }
        return new DecodedImage(pixels, 3, height, width, grayscale, IsEightBit: true);
    }

    private InvalidDataException RowError(string problem, Exception? inner = null) =>
        new($"Image column '{_binding.ColumnName}' at row {_row.Position} {problem}.", inner);
}
