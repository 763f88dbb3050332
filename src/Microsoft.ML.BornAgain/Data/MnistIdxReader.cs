using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.BornAgain;

/// <summary>
/// Reads image/label pairs in MNIST's idx format (http://yann.lecun.com/exdb/mnist/), as used by MNIST and
/// Fashion-MNIST: an idx3 file of unsigned-byte images (magic 0x00000803, count, rows, columns, big-endian) and an
/// idx1 file of unsigned-byte labels (magic 0x00000801, count). Each file may be gzipped; that is detected from the
/// gzip magic bytes (1F 8B), not from the file name.
/// </summary>
/// <remarks>
/// The result is grayscale: one channel, rows x columns. Byte offsets in error messages count in the decompressed data
/// when a file is gzipped. See
/// <see cref="DataOperationsCatalogExtensions.LoadMnistIdx(DataOperationsCatalog, string, string, IReadOnlyList{string}?)"/>
/// for the <see cref="IDataView"/> form.
/// </remarks>
public static class MnistIdxReader
{
    /// <summary>Magic number of an idx file of unsigned bytes with 3 dimensions (images).</summary>
    internal const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an idx file of unsigned bytes with 1 dimension (labels).</summary>
    internal const int LabelsMagic = 0x00000801;

    /// <summary>MNIST's class names, the digits "0".."9"; the default when no names are given.</summary>
    public static IReadOnlyList<string> DigitClassNames { get; } =
        Array.AsReadOnly(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

    /// <summary>
    /// Fashion-MNIST's class names by label 0..9 (Xiao, Rasul and Vollgraf 2017,
    /// https://github.com/zalandoresearch/fashion-mnist): T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt,
    /// Sneaker, Bag, Ankle boot.
    /// </summary>
    public static IReadOnlyList<string> FashionMnistClassNames { get; } =
        Array.AsReadOnly(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]);

    /// <summary>Reads an idx3 image file and its idx1 label file.</summary>
    /// <param name="imagesPath">The idx3 images file, e.g. <c>train-images-idx3-ubyte.gz</c> (gzipped or not).</param>
    /// <param name="labelsPath">The idx1 labels file, e.g. <c>train-labels-idx1-ubyte.gz</c> (gzipped or not).</param>
    /// <param name="classNames">Name of each class by label; <see langword="null"/> for <see cref="DigitClassNames"/>.
    /// Pass <see cref="FashionMnistClassNames"/> for Fashion-MNIST.</param>
    /// <returns>1 x rows x columns records with labels and class names.</returns>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A wrong magic number, a zero dimension, a file shorter or longer than its
    /// header says, different image and label counts, or a label not below the class count; the message names the file
    /// and the byte offset.</exception>
    public static ImageRecords ReadRecords(string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagesPath);
        ArgumentException.ThrowIfNullOrEmpty(labelsPath);
        classNames ??= DigitClassNames;
        if (classNames.Count == 0)
        {
            throw new ArgumentException("At least one class name is required; found none.", nameof(classNames));
        }

        var (pixels, count, rows, columns) = ReadImages(imagesPath);
        var labelBytes = ReadLabels(labelsPath);
        if (labelBytes.Length != count)
        {
            throw new InvalidDataException(
                $"idx labels file '{labelsPath}' has {labelBytes.Length} labels (count at byte offset 4) but images file "
                + $"'{imagesPath}' has {count} images; they must be equal.");
        }

        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            if (labelBytes[i] >= classNames.Count)
            {
                throw new InvalidDataException(
                    $"idx labels file '{labelsPath}': label {labelBytes[i]} of image {i} at byte offset {8 + i} is out of range "
                    + $"[0, {classNames.Count}) (the number of class names).");
            }

            labels[i] = labelBytes[i];
        }

        return new ImageRecords(pixels, labels, classNames, channels: 1, rows, columns);
    }

    private static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        using var stream = OpenMaybeGzipped(path);
        var header = new byte[16];
        ReadOrThrow(stream, header, path, offset: 0, what: "the 16-byte idx3 header");
        CheckMagic(header, ImagesMagic, path);
        int count = ReadDimension(header, 4, path);
        int rows = ReadDimension(header, 8, path);
        int columns = ReadDimension(header, 12, path);
        long size = (long)count * rows * columns;
        if (size > Array.MaxLength)
        {
            throw new InvalidDataException($"idx images file '{path}': {count} x {rows} x {columns} images (byte offset 4) exceed one array.");
        }

        var pixels = new byte[size];
        ReadOrThrow(stream, pixels, path, offset: 16, what: $"{count} images of {rows} x {columns} bytes");
        CheckAtEnd(stream, path, 16 + size);
        return (pixels, count, rows, columns);
    }

    private static byte[] ReadLabels(string path)
    {
        using var stream = OpenMaybeGzipped(path);
        var header = new byte[8];
        ReadOrThrow(stream, header, path, offset: 0, what: "the 8-byte idx1 header");
        CheckMagic(header, LabelsMagic, path);
        int count = ReadDimension(header, 4, path);
        var labels = new byte[count];
        ReadOrThrow(stream, labels, path, offset: 8, what: $"{count} labels");
        CheckAtEnd(stream, path, 8 + count);
        return labels;
    }

    private static Stream OpenMaybeGzipped(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"idx file '{path}' does not exist.", path);
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool gzipped = read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        return gzipped ? new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16) : file;
    }

    private static void ReadOrThrow(Stream stream, byte[] buffer, string path, long offset, string what)
    {
        int read;
        try
        {
            read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            // GZipStream's own error (corrupt deflate data) gets the file name added.
            throw new InvalidDataException($"idx file '{path}': gzip data is corrupt while reading {what} at byte offset {offset}.", e);
        }

        if (read < buffer.Length)
        {
            throw new InvalidDataException(
                $"idx file '{path}' is truncated: expected {what} from byte offset {offset}, data ends at byte offset {offset + read}.");
        }
    }

    private static void CheckMagic(byte[] header, int expected, string path)
    {
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != expected)
        {
            throw new InvalidDataException(
                $"idx file '{path}' has magic number 0x{magic:X8} at byte offset 0; expected 0x{expected:X8} "
                + $"({(expected == ImagesMagic ? "unsigned-byte images, 3 dimensions" : "unsigned-byte labels, 1 dimension")}).");
        }
    }

    private static int ReadDimension(byte[] header, int offset, string path)
    {
        int value = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(offset));
        if (value <= 0)
        {
            throw new InvalidDataException($"idx file '{path}' has dimension {value} at byte offset {offset}; dimensions must be positive.");
        }

        return value;
    }

    private static void CheckAtEnd(Stream stream, string path, long expectedLength)
    {
        if (stream.ReadByte() >= 0)
        {
            throw new InvalidDataException(
                $"idx file '{path}' has data past its end: the header's dimensions end it at byte offset {expectedLength}.");
        }
    }
}
