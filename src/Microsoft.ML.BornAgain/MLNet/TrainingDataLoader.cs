using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// Reads an IDataView's images and labels once, into an <see cref="ImageTensorDataset"/> at the network's input
/// shape, so the training loop never touches ML.NET rows again.
/// </summary>
internal static class TrainingDataLoader
{
    /// <summary>What the data looks like before the network input shape is fixed.</summary>
    public sealed record RawImages(List<DecodedImage> Images, List<long> Labels, bool AllGrayscale)
    {
        /// <summary>Rows in the data, taken or not.</summary>
        public long RowCount { get; init; }

        /// <summary>A checksum of every row's label, taken or not (data-parallel ranks compare it).</summary>
        public long LabelChecksum { get; init; }
    }

    /// <summary>
    /// Reads every row; labels become 0-based class indices. <paramref name="dataName"/> names the data in errors.
    /// <paramref name="takesRow"/> chooses the rows to decode and keep (a data-parallel rank's shard; null keeps every
    /// row); the labels of the others are still checked.
    /// </summary>
    public static RawImages Read(IDataView data, ImageColumnBinding image, string labelColumnName, int classCount,
        string dataName, CancellationToken cancellation, Func<long, bool>? takesRow = null)
    {
        var labelColumn = data.Schema[labelColumnName];
        var imageColumn = data.Schema[image.ColumnName];
        var images = new List<DecodedImage>();
        var labels = new List<long>();
        bool allGrayscale = true;

        using var cursor = data.GetRowCursor(new[] { labelColumn, imageColumn });
        var labelGetter = cursor.GetGetter<uint>(labelColumn);
        var reader = image.CreateReader(cursor);
        uint key = 0;
        long rows = 0, labelChecksum = 0;
        while (cursor.MoveNext())
        {
            cancellation.ThrowIfCancellationRequested();
            labelGetter(ref key);
            if (key == 0)
            {
                throw new InvalidDataException(
                    $"Label column '{labelColumnName}' of the {dataName} has a missing value at row {cursor.Position}: " +
                    "every row needs a label.");
            }

            if (key > classCount)
            {
                throw new InvalidDataException(
                    $"Label column '{labelColumnName}' of the {dataName} has key {key} at row {cursor.Position}, " +
                    $"outside its key type's range 1..{classCount}.");
            }

            labelChecksum = unchecked(labelChecksum * 31 + key);
            if (takesRow is not null && !takesRow(rows++))
                continue;
            var decoded = reader.Read();
            allGrayscale &= decoded.IsGrayscale;
            images.Add(Compact(decoded));
            labels.Add(key - 1);
        }
        rows = takesRow is null ? images.Count : rows;
        if (rows == 0)
            throw new ArgumentException($"The {dataName} is empty: training needs at least 2 rows.", "input");
        return new RawImages(images, labels, allGrayscale) { RowCount = rows, LabelChecksum = labelChecksum };
    }

    /// <summary>Converts every image to <paramref name="shape"/> and stacks them into a dataset.</summary>
    public static ImageTensorDataset ToDataset(RawImages raw, ImageShape shape, int classCount)
    {
        var pixels = new float[(long)raw.Images.Count * shape.PixelCount];
        for (int i = 0; i < raw.Images.Count; i++)
            NetworkInputConverter.Write(raw.Images[i], shape, pixels.AsSpan(i * shape.PixelCount, shape.PixelCount));
        return new ImageTensorDataset(
            tensor(pixels, new long[] { raw.Images.Count, shape.Channels, shape.Height, shape.Width }),
            tensor(raw.Labels.ToArray()),
            classCount);
    }

    /// <summary>Keeps one plane of a grayscale image: a third of the memory until the shape is fixed.</summary>
    private static DecodedImage Compact(DecodedImage image)
    {
        if (!image.IsGrayscale || image.Channels == 1)
            return image;
        int plane = image.Height * image.Width;
        return image with { Pixels = image.Pixels.AsSpan(0, plane).ToArray(), Channels = 1 };
    }
}
