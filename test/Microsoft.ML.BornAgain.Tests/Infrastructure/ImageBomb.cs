using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

/// <summary>
/// A minimal PNG encoder for crafted inputs: a 1-bit grayscale image of any size, all black, whose rows compress to
/// almost nothing (20000 x 20000 is about 50 KB, and would decode to 1.6 GB of RGBA and 4.8 GB of floats); and an
/// 8-bit RGB image of random noise, which does not compress (a large but honest upload).
/// (Also compiled into the service tests.)
/// </summary>
internal static class ImageBomb
{
    public static byte[] Png(int width, int height)
    {
        var row = new byte[1 + (width + 7) / 8]; // filter byte 0 (none), then zero bits
        return Encode(width, height, bitDepth: 1, colourType: 0, CompressionLevel.SmallestSize, _ => row);
    }

    /// <summary>An RGB PNG of random pixels: about 3 x width x height bytes, stored rather than compressed.</summary>
    public static byte[] NoisePng(int width, int height, int seed)
    {
        var random = new Random(seed);
        var row = new byte[1 + 3 * width];
        return Encode(width, height, bitDepth: 8, colourType: 2, CompressionLevel.NoCompression, _ =>
        {
            random.NextBytes(row.AsSpan(1));
            return row;
        });
    }

    /// <summary>A PNG of one IHDR, one IDAT holding the zlib-compressed rows (each with its filter byte) and IEND.</summary>
    private static byte[] Encode(int width, int height, byte bitDepth, byte colourType, CompressionLevel compression, Func<int, byte[]> rowAt)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = bitDepth;
        header[9] = colourType; // 0 grayscale, 2 RGB
        WriteChunk(png, "IHDR", header);

        using var pixels = new MemoryStream();
        using (var zlib = new ZLibStream(pixels, compression, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
                zlib.Write(rowAt(y));
        }
        WriteChunk(png, "IDAT", pixels.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        png.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
