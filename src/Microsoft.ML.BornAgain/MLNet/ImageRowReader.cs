using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// Reads the image of a row's current position as channel-planar floats at the image's own size. MLImage and
/// encoded bytes give 3 channels (R, G, B; alpha dropped) with values 0..255; pixel vectors give their declared
/// shape and values as they are.
/// </summary>
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

    public ImageRowReader(ImageColumnBinding binding, DataViewRow row)
    {
        _binding = binding;
        _row = row;
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
                return FromMLImage(_image);
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
        var dense = bytes.DenseValues().ToArray();
        // The header says how large the image is: refuse an image bomb before a pixel is decoded.
        if (EncodedImageHeader.TryReadSize(dense) is { } size)
            CheckPixels(size.Width, size.Height, "an encoded");
        MLImage image;
        try
        {
            image = MLImage.CreateFromStream(new MemoryStream(dense, writable: false));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            throw RowError($"holds {dense.Length} bytes that are not a decodable image (PNG, JPEG, BMP, GIF, WebP)", e);
        }
        using (image)
            return FromMLImage(image);
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
        return new DecodedImage(pixels, shape.Channels, shape.Height, shape.Width, IsGrayscale: shape.Channels == 1);
    }

    /// <summary>Converts interleaved 32-bit pixels to planar R, G, B floats and notes whether R = G = B everywhere.</summary>
    internal static DecodedImage FromMLImage(MLImage image)
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
        var pixels = new float[3 * plane];
        bool grayscale = true;
        for (int i = 0; i < plane; i++)
        {
            byte r = source[4 * i + red], g = source[4 * i + 1], b = source[4 * i + blue];
            pixels[i] = r;
            pixels[plane + i] = g;
            pixels[2 * plane + i] = b;
            grayscale &= r == g && g == b;
        }
        return new DecodedImage(pixels, 3, height, width, grayscale);
    }

    private InvalidDataException RowError(string problem, Exception? inner = null) =>
        new($"Image column '{_binding.ColumnName}' at row {_row.Position} {problem}.", inner);
}
