using Microsoft.ML.BornAgain.Data;

namespace Microsoft.ML.BornAgain;

/// <summary>
/// Reads CIFAR-10 and CIFAR-100 in their official "binary version" (https://www.cs.toronto.edu/~kriz/cifar.html):
/// fixed-length records of label byte(s) followed by 3,072 pixel bytes, 1,024 R, 1,024 G, 1,024 B, each a 32 x 32
/// plane in row-major order.
/// </summary>
/// <remarks>
/// Class names come from the meta file in the folder of the (first) data file: <c>batches.meta.txt</c> for CIFAR-10,
/// <c>fine_label_names.txt</c> or <c>coarse_label_names.txt</c> for CIFAR-100, one name per line. When that file is
/// missing, the classes are named "0".."n-1" (n = 10, 100 or 20). Pixels are kept as stored, so the records are
/// channel-planar already. See <see cref="DataOperationsCatalogExtensions.LoadCifarBinary(DataOperationsCatalog, string, CifarLabelKind)"/>
/// for the <see cref="IDataView"/> form.
/// </remarks>
public static class CifarBinaryReader
{
    /// <summary>Image height and width (CIFAR images are 32 x 32).</summary>
    internal const int ImageSide = 32;

    /// <summary>Pixel bytes per record: 3 planes (R, G, B) of 32 x 32.</summary>
    internal const int PixelBytesPerRecord = 3 * ImageSide * ImageSide;

    /// <summary>Record length in bytes: 3,073 for CIFAR-10 (1 label byte), 3,074 for CIFAR-100 (coarse, fine).</summary>
    /// <param name="kind">The record layout.</param>
    internal static int RecordLength(CifarLabelKind kind) => LabelBytes(kind) + PixelBytesPerRecord;

    /// <summary>Number of classes: 10 (CIFAR-10), 100 (CIFAR-100 fine) or 20 (CIFAR-100 coarse).</summary>
    /// <param name="kind">The record layout and label choice.</param>
    internal static int ClassCount(CifarLabelKind kind) => kind switch
    {
        CifarLabelKind.Cifar10 => 10,
        CifarLabelKind.Cifar100Fine => 100,
        CifarLabelKind.Cifar100Coarse => 20,
        _ => throw UnknownKind(kind),
    };

    /// <summary>
    /// The class-name file looked for beside the data: <c>batches.meta.txt</c>, <c>fine_label_names.txt</c> or
    /// <c>coarse_label_names.txt</c>.
    /// </summary>
    /// <param name="kind">The record layout and label choice.</param>
    internal static string MetaFileName(CifarLabelKind kind) => kind switch
    {
        CifarLabelKind.Cifar10 => "batches.meta.txt",
        CifarLabelKind.Cifar100Fine => "fine_label_names.txt",
        CifarLabelKind.Cifar100Coarse => "coarse_label_names.txt",
        _ => throw UnknownKind(kind),
    };

    /// <summary>Reads one CIFAR binary file (e.g. <c>data_batch_1.bin</c>, <c>test_batch.bin</c>, <c>train.bin</c>).</summary>
    /// <param name="path">The data file.</param>
    /// <param name="kind">CIFAR-10, or CIFAR-100 with fine or coarse labels.</param>
    /// <returns>3 x 32 x 32 records with labels and class names.</returns>
    /// <exception cref="FileNotFoundException">The data file does not exist.</exception>
    /// <exception cref="InvalidDataException">Size not a whole number of records, a label out of range, or a meta file
    /// with the wrong number of names; the message names the file and the byte offset.</exception>
    public static ImageRecords ReadRecords(string path, CifarLabelKind kind = CifarLabelKind.Cifar10)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadRecords([path], kind);
    }

    /// <summary>
    /// Reads several CIFAR binary files of one kind as one data set, in the given order (e.g. CIFAR-10's
    /// <c>data_batch_1.bin</c> .. <c>data_batch_5.bin</c>). Class names come from the meta file beside the first file.
    /// </summary>
    /// <param name="paths">The data files, at least one.</param>
    /// <param name="kind">CIFAR-10, or CIFAR-100 with fine or coarse labels.</param>
    /// <returns>3 x 32 x 32 records of all files with labels and class names.</returns>
    /// <exception cref="FileNotFoundException">A data file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file's size is not a whole number of records, a label is out of range,
    /// or the meta file has the wrong number of names; the message names the file and the byte offset.</exception>
    public static ImageRecords ReadRecords(IReadOnlyList<string> paths, CifarLabelKind kind = CifarLabelKind.Cifar10)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0)
        {
            throw new ArgumentException("At least one CIFAR data file is required; found none.", nameof(paths));
        }

        int recordLength = RecordLength(kind);
        var recordCounts = paths.Select(path => CountRecords(path, recordLength)).ToArray();
        long total = recordCounts.Sum();
        if (total * PixelBytesPerRecord > Array.MaxLength)
        {
            throw new ArgumentException($"The files hold {total} records, more than one byte array can hold.", nameof(paths));
        }

        var pixels = new byte[total * PixelBytesPerRecord];
        var labels = new int[total];
        int next = 0;
        for (var f = 0; f < paths.Count; f++)
        {
            ReadFile(paths[f], kind, recordCounts[f], pixels, labels, next);
            next += recordCounts[f];
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(paths[0]))!;
        var classNames = ClassNamesFile.ReadOrNumbers(Path.Combine(directory, MetaFileName(kind)), ClassCount(kind));
        return new ImageRecords(pixels, labels, classNames, channels: 3, ImageSide, ImageSide);
    }

    private static int CountRecords(string path, int recordLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"CIFAR data file '{path}' does not exist.", path);
        }

        long wholeRecords = file.Length / recordLength;
        if (file.Length % recordLength != 0)
        {
            throw new InvalidDataException(
                $"CIFAR data file '{path}' is {file.Length} bytes, not a multiple of the {recordLength}-byte record: "
                + $"the record at byte offset {wholeRecords * recordLength} is truncated ({file.Length % recordLength} bytes).");
        }

        if (wholeRecords == 0)
        {
            throw new InvalidDataException($"CIFAR data file '{path}' is empty (no record at byte offset 0).");
        }

        return checked((int)wholeRecords);
    }

    private static void ReadFile(string path, CifarLabelKind kind, int recordCount, byte[] pixels, int[] labels, int firstRecord)
    {
        int recordLength = RecordLength(kind);
        int labelBytes = LabelBytes(kind);
        int labelByte = kind == CifarLabelKind.Cifar100Fine ? 1 : 0;   // CIFAR-100: coarse byte first, then fine
        int classCount = ClassCount(kind);
        var record = new byte[recordLength];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        for (var r = 0; r < recordCount; r++)
        {
            stream.ReadExactly(record);
            int label = record[labelByte];
            if (label >= classCount)
            {
                throw new InvalidDataException(
                    $"CIFAR data file '{path}': label {label} of record {r} at byte offset {(long)r * recordLength + labelByte} "
                    + $"is out of range [0, {classCount}) for {kind}.");
            }

            labels[firstRecord + r] = label;
            record.AsSpan(labelBytes).CopyTo(pixels.AsSpan((firstRecord + r) * PixelBytesPerRecord, PixelBytesPerRecord));
        }
    }

    private static int LabelBytes(CifarLabelKind kind) => kind switch
    {
        CifarLabelKind.Cifar10 => 1,
        CifarLabelKind.Cifar100Fine or CifarLabelKind.Cifar100Coarse => 2,
        _ => throw UnknownKind(kind),
    };

    private static ArgumentOutOfRangeException UnknownKind(CifarLabelKind kind) =>
        new(nameof(kind), kind, $"Unknown {nameof(CifarLabelKind)}; expected Cifar10, Cifar100Fine or Cifar100Coarse.");
}
