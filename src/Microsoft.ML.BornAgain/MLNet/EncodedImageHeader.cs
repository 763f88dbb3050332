using SkiaSharp;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// The dimensions of an encoded image (PNG IHDR, JPEG SOF, BMP, GIF, WebP headers), read by SkiaSharp's codec
/// without decoding a pixel, so that an image bomb (a few kilobytes that decode to gigabytes) is refused before
/// anything is allocated for its pixels.
/// </summary>
internal static class EncodedImageHeader
{
    /// <summary>The default of <see cref="BornAgainTrainer.Options.MaxImagePixels"/>: 4096 x 4096 = 16,777,216 pixels.</summary>
    public const long DefaultMaxPixels = 4096L * 4096;

    /// <summary>Width and height from the header, or null when SkiaSharp recognises no image format in the bytes.</summary>
    public static (int Width, int Height)? TryReadSize(ReadOnlySpan<byte> encoded)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        return codec is null ? null : (codec.Info.Width, codec.Info.Height);
    }

    /// <summary>Width and height from the header of a file (only its first bytes are read), or null when undecodable.</summary>
    public static (int Width, int Height)? TryReadSize(string path)
    {
        using var stream = File.OpenRead(path);
        using var codec = SKCodec.Create(stream);
        return codec is null ? null : (codec.Info.Width, codec.Info.Height);
    }

    /// <summary>The pixel count in 64-bit arithmetic (a 46341 x 46341 image overflows an int).</summary>
    public static long PixelCount(int width, int height) => (long)width * height;

    /// <summary>Throws unless <paramref name="maxPixels"/> is at least 1.</summary>
    public static void CheckLimit(long maxPixels, string parameterName)
    {
        if (maxPixels < 1)
            throw new ArgumentOutOfRangeException(parameterName, maxPixels, $"The image pixel limit must be at least 1; got {maxPixels}.");
    }
}
