using Microsoft.ML.Data;

namespace BornAgain.Service;

/// <summary>
/// Turns an upload into the exported model's input, as the Born-Again transformer prepares an encoded image for its
/// network (docs/onnx.md, "The model's contract"), with no LibTorch: decoded by ML.NET's MLImage (SkiaSharp), planar
/// R, G, B floats 0..255 (alpha dropped) or, for a 1-channel network, ITU-R BT.601 luma, then resized to the
/// network's size with <see cref="AntialiasedBilinearResize"/> when the size differs.
/// </summary>
public static class OnnxImageInput
{
    private const float LumaRed = 0.299f, LumaGreen = 0.587f, LumaBlue = 0.114f;

    /// <summary>Writes the image as <c>[channels, height, width]</c> floats into <paramref name="destination"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a decodable image, or it has more than <paramref name="maxPixels"/> pixels.</exception>
    public static void Write(byte[] encoded, int channels, int height, int width, long maxPixels, Span<float> destination)
    {
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "The network takes 1 or 3 channels.");
        if (destination.Length != channels * height * width)
            throw new ArgumentException($"The destination holds {destination.Length} floats, not {channels}x{height}x{width}.", nameof(destination));
        // The header says how large the image is: refuse an image bomb before a pixel is decoded.
        if (ImageHeader.TryReadSize(encoded) is { } size && (long)size.Width * size.Height > maxPixels)
        {
            throw new InvalidDataException($"The upload is an image of {size.Width}x{size.Height} = {(long)size.Width * size.Height} pixels; " +
                $"at most {maxPixels} are accepted.");
        }

        MLImage image;
        try
        {
            image = MLImage.CreateFromStream(new MemoryStream(encoded, writable: false));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            throw new InvalidDataException($"The upload holds {encoded.Length} bytes that are not a decodable image (PNG, JPEG, BMP, GIF, WebP).", e);
        }
        using (image)
        {
            float[] planes = Planes(image, channels);
            if (image.Height == height && image.Width == width)
                planes.CopyTo(destination);
            else
                AntialiasedBilinearResize.Resize(planes, channels, image.Height, image.Width, height, width, destination);
        }
    }

    /// <summary>The decoded image as planar floats: R, G, B (0..255) or one luma plane.</summary>
    private static float[] Planes(MLImage image, int channels)
    {
        long plane = (long)image.Width * image.Height;
        if (channels * plane > Array.MaxLength)
            throw new InvalidDataException($"An image of {image.Width}x{image.Height} pixels is too large to convert to floats.");
        var source = image.Pixels;
        if (image.BitsPerPixel != 32 || source.Length < 4 * plane)
            throw new InvalidDataException($"Expected a 32-bit image of {image.Width}x{image.Height}; got {image.BitsPerPixel} bits per pixel.");
        bool bgra = image.PixelFormat == MLPixelFormat.Bgra32;
        int red = bgra ? 2 : 0, blue = bgra ? 0 : 2;
        int n = (int)plane;
        var planes = new float[channels * n];
        for (int i = 0; i < n; i++)
        {
            float r = source[4 * i + red], g = source[4 * i + 1], b = source[4 * i + blue];
            if (channels == 3)
            {
                planes[i] = r;
                planes[n + i] = g;
                planes[2 * n + i] = b;
            }
            else
            {
                planes[i] = LumaRed * r + LumaGreen * g + LumaBlue * b;
            }
        }
        return planes;
    }
}
