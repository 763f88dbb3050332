namespace BornAgain.Service;

/// <summary>
/// Recognises the encoded image formats the decoder (SkiaSharp, through ML.NET's MLImage) reads, by their leading
/// bytes. The check runs before decoding, so that "this is not an image" (415) and "this image is corrupt" (400)
/// get different answers.
/// </summary>
public static class ImageFormats
{
    /// <summary>Names the format of <paramref name="bytes"/>, or null when the bytes start like none of them.</summary>
    public static string? Detect(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
            return "JPEG";
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
            return "PNG";
        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
            return "GIF";
        if (bytes.StartsWith("BM"u8) && bytes.Length >= 26)
            return "BMP";
        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
            return "WebP";
        return null;
    }
}
