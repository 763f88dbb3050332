using SkiaSharp;

namespace BornAgain.Service;

/// <summary>
/// Width and height from an encoded image's header (PNG IHDR, JPEG SOF, GIF, BMP, WebP), read by SkiaSharp's codec
/// (the decoder under ML.NET's MLImage) without decoding a pixel.
/// </summary>
public static class ImageHeader
{
    /// <summary>The image's size, or null when SkiaSharp recognises no format in <paramref name="encoded"/>.</summary>
    public static (int Width, int Height)? TryReadSize(byte[] encoded)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        return codec is null ? null : (codec.Info.Width, codec.Info.Height);
    }
}
