using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Microsoft.ML.BornAgain.Data;

/// <summary>
/// Builds the <c>Label</c> (text) + <c>Image</c> (<see cref="MLImage"/>) view of <see cref="ImageRecords"/> with
/// <c>MLContext.Data.LoadFromEnumerable</c>.
/// </summary>
/// <remarks>
/// Images are made lazily, one per row as a cursor reaches it, and the previous row's image is disposed when the cursor
/// moves on: the ownership rule of ML.NET's own <c>LoadImages</c> (ImageLoader disposes its last image on the next
/// row). Two reasons not to keep 60,000 ready-made <see cref="MLImage"/>s in a list instead: ML.NET's image transforms
/// dispose images they receive (ResizeImages passes an image of the target size through and disposes it on the next
/// row; ExtractPixels disposes its last source), which would break a second pass over a stored list; and the raw bytes
/// take a quarter of the memory of 32-bit bitmaps. Consequence, as with <c>LoadImages</c>: cache image columns only
/// after <c>ExtractPixels</c>, and do not keep an <see cref="MLImage"/> from this view past its row.
/// </remarks>
internal static class ImageRecordsDataView
{
    public const string LabelColumnName = "Label";
    public const string ImageColumnName = "Image";

    public static IDataView Create(DataOperationsCatalog catalog, ImageRecords records)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(records);

        // The column type carries the size (Image<32, 32>) so downstream schema checks see it; ML.NET only builds
        // getters for types registered with DataViewTypeManager, which the attribute's Register() does (idempotent).
        new ImageTypeAttribute(records.Height, records.Width).Register();
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Image)].ColumnType = new ImageDataViewType(records.Height, records.Width);
        return catalog.LoadFromEnumerable(new LazyRows(records), schema);
    }

    /// <summary>One row as LoadFromEnumerable reads it (public members are what it maps to columns).</summary>
    internal sealed class ImageRow
    {
        public string Label { get; set; } = "";

        // Placeholder size: SchemaDefinition.Create accepts an MLImage member only with a registered image attribute, and
        // ML.NET 5.0's parameterless [ImageType] cannot register (it builds ImageDataViewType(0, 0), which throws).
        // Create() replaces the column type with the records' real size.
        [ImageType(1, 1)]
        public MLImage? Image { get; set; }
    }

    /// <summary>Re-enumerable: each cursor gets its own enumerator and so its own images.</summary>
    private sealed class LazyRows(ImageRecords records) : IEnumerable<ImageRow>
    {
        public IEnumerator<ImageRow> GetEnumerator()
        {
            MLImage? previous = null;
            try
            {
                for (var i = 0; i < records.Count; i++)
                {
                    previous?.Dispose();
                    previous = records.CreateImage(i);
                    yield return new ImageRow { Label = records.ClassNames[records.Labels[i]], Image = previous };
                }
            }
            finally
            {
                previous?.Dispose();
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
