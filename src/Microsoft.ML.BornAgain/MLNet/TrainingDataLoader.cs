using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// Reads an IDataView's images and labels once, into an <see cref="ImageTensorDataset"/> at the network's input
/// shape, so the training loop never touches ML.NET rows again. Each image is brought to the input size as soon as
/// it is read, and 8-bit images are kept as bytes: memory grows with the network's input, not with the pictures.
/// </summary>
internal static class TrainingDataLoader
{
    /// <summary>The largest input side taken from the first image; larger pictures need the size set explicitly.</summary>
    public const int MaxInputSide = 4096;

    /// <summary>Decoded pictures, in bytes of floats, after which the garbage they left is collected.</summary>
    private const long CollectAfterDecodedBytes = 64L << 20;

    /// <summary>
    /// The input shape asked for: each part that is null is taken from the data (height and width from the first
    /// image, one channel when every image is grayscale, else three).
    /// </summary>
    public readonly record struct RequestedShape(int? Channels, int? Height, int? Width)
    {
        public static RequestedShape Exactly(ImageShape shape) => new(shape.Channels, shape.Height, shape.Width);
    }

    /// <summary>
    /// A data-parallel rank's part of the rows: <see cref="Read"/> checks every row's label but decodes only the rows
    /// <c>takesRow</c> accepts (and the first row, whose size is the input size on every rank), and asks
    /// <c>allRanks</c> whether every rank's images are grayscale. It counts the rows and checksums their labels, which
    /// the ranks then compare.
    /// </summary>
    public sealed class Shard(Func<long, bool> takesRow, Func<bool, bool> allRanks)
    {
        /// <summary>Rows in the data, taken or not.</summary>
        public long RowCount { get; private set; }

        /// <summary>A checksum of every row's label, taken or not.</summary>
        public long LabelChecksum { get; private set; }

        internal bool Take(uint key, long row)
        {
            RowCount++;
            LabelChecksum = unchecked(LabelChecksum * 31 + key);
            return takesRow(row);
        }

        internal bool AllRanks(bool value) => allRanks(value);
    }

    /// <summary>
    /// Reads every row; labels become 0-based class indices. <paramref name="dataName"/> names the data in errors.
    /// Returns the dataset and the input shape it was read at. With a <paramref name="shard"/>, only its rows are kept.
    /// </summary>
    public static (ImageTensorDataset Data, ImageShape Shape) Read(IDataView data, ImageColumnBinding image, string labelColumnName,
        int classCount, RequestedShape requested, string dataName, CancellationToken cancellation, Shard? shard = null)
    {
        var labelColumn = data.Schema[labelColumnName];
        var imageColumn = data.Schema[image.ColumnName];
        ImageTensorDatasetBuilder? builder = null;
        int height = 0, width = 0;

        using (var cursor = data.GetRowCursor(new[] { labelColumn, imageColumn }))
        {
            var labelGetter = cursor.GetGetter<uint>(labelColumn);
            var reader = image.CreateReader(cursor, reuseBuffers: true); // each image is converted before the next is read
            uint key = 0;
            float[] converted = Array.Empty<float>();
            long decodedSinceCollection = 0;
            while (cursor.MoveNext())
            {
                cancellation.ThrowIfCancellationRequested();
                labelGetter(ref key);
                CheckLabel(key, classCount, labelColumnName, dataName, cursor.Position);
                bool taken = shard?.Take(key, cursor.Position) ?? true;
                if (!taken && builder is not null)
                    continue;

                var decoded = reader.Read();
                if (builder is null)
                {
                    height = requested.Height ?? InputSide(decoded.Height, "height", dataName);
                    width = requested.Width ?? InputSide(decoded.Width, "width", dataName);
                    builder = new ImageTensorDatasetBuilder(height, width, decoded.IsEightBit);
                }

                if (!taken)
                    continue;

                int channels = requested.Channels ?? (decoded.IsGrayscale ? 1 : 3);
                var shape = new ImageShape(channels, height, width);
                if (converted.Length != shape.PixelCount)
                    converted = new float[shape.PixelCount];
                NetworkInputConverter.Write(decoded, shape, converted);
                builder.Add(converted, channels, key - 1);

                // Decoding leaves full-size copies of each picture on the large-object heap (the reader reuses its own
                // buffers, but image decoding still copies), and the collector lets that heap grow by gigabytes before
                // it looks: 40 photos of 4 megapixels peaked at 3.7 GB. Collecting after every 64 MB of pictures
                // bounds the garbage, for a few milliseconds each.
                decodedSinceCollection += sizeof(float) * (long)decoded.Pixels.Length;
                if (decodedSinceCollection > CollectAfterDecodedBytes)
                {
                    GC.Collect();
                    decodedSinceCollection = 0;
                }
            }
        }

        if (builder is null)
            throw new ArgumentException($"The {dataName} is empty: training needs at least 2 rows.", "input");
        bool allSingleChannel = shard is null ? builder.AllSingleChannel : shard.AllRanks(builder.AllSingleChannel);
        int finalChannels = requested.Channels ?? (allSingleChannel ? 1 : 3);
        return (builder.Build(finalChannels, classCount), new ImageShape(finalChannels, height, width));
    }

    private static void CheckLabel(uint key, int classCount, string labelColumnName, string dataName, long row)
    {
        if (key == 0)
        {
            throw new InvalidDataException(
                $"Label column '{labelColumnName}' of the {dataName} has a missing value at row {row}: every row needs a label.");
        }

        if (key > classCount)
        {
            throw new InvalidDataException(
                $"Label column '{labelColumnName}' of the {dataName} has key {key} at row {row}, outside its key type's range 1..{classCount}.");
        }
    }

    private static int InputSide(int side, string name, string dataName)
    {
        if (side > MaxInputSide)
        {
            throw new ArgumentException(
                $"The first image of the {dataName} has a {name} of {side} pixels, which would become the network input's {name}; " +
                $"at most {MaxInputSide} is taken from the data. Set the options 'ImageHeight' and 'ImageWidth' to the size to train at " +
                "(images are resized to it), or resize the images in the pipeline (ResizeImages).", "input");
        }

        return side;
    }
}
