using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// How the trainer reads the image column of a schema: which of the three accepted types it has and, for pixel
/// vectors, the declared channels x height x width. Created at Fit and again for every scoring schema, so a
/// scoring input whose image column differs from training fails with a schema message, not deep in a cursor.
/// </summary>
internal sealed class ImageColumnBinding
{
    private const string Expected =
        "Image (MLImage, from LoadImages), Vector<Byte> of encoded image bytes (LoadRawImageBytes or a byte[] field), " +
        "or a known-size Vector<Single> of C x H x W pixels";

    private ImageColumnBinding(string columnName, ImageColumnKind kind, ImageShape? vectorShape)
    {
        ColumnName = columnName;
        Kind = kind;
        VectorShape = vectorShape;
    }

    /// <summary>
    /// The most pixels (width x height) an image may have; encoded images are checked from their header, before
    /// decoding. <see cref="EncodedImageHeader.DefaultMaxPixels"/> unless the caller sets it.
    /// </summary>
    public long MaxPixels { get; private init; } = EncodedImageHeader.DefaultMaxPixels;

    /// <summary>This binding with another <see cref="MaxPixels"/>.</summary>
    public ImageColumnBinding WithMaxPixels(long maxPixels) =>
        new(ColumnName, Kind, VectorShape) { MaxPixels = maxPixels };

    public string ColumnName { get; }

    public ImageColumnKind Kind { get; }

    /// <summary>The declared C x H x W of a <see cref="ImageColumnKind.PixelVector"/> column; null for the other kinds.</summary>
    public ImageShape? VectorShape { get; }

    /// <summary>
    /// Binds to <paramref name="columnName"/> in <paramref name="schema"/>. <paramref name="declaredShape"/> is the
    /// options' ImageChannels/Height/Width, required (and checked against the vector size) for pixel vectors.
    /// </summary>
    public static ImageColumnBinding Bind(DataViewSchema schema, string columnName, ImageShape? declaredShape)
    {
        var column = schema.GetColumnOrNull(columnName) ?? throw SchemaErrors.ColumnNotFound("image", columnName);
        var type = column.Type;
        if (type is ImageDataViewType)
            return new ImageColumnBinding(columnName, ImageColumnKind.Image, null);
        if (type is VectorDataViewType { ItemType: var byteItem } && byteItem == NumberDataViewType.Byte)
            return new ImageColumnBinding(columnName, ImageColumnKind.EncodedBytes, null);
        if (type is VectorDataViewType { ItemType: var floatItem, IsKnownSize: true } vector && floatItem == NumberDataViewType.Single)
        {
            if (declaredShape is not { } shape)
            {
                throw new ArgumentException(
                    $"Image column '{columnName}' is a Vector<Single> of {vector.Size} values: set the options " +
                    "'ImageChannels', 'ImageHeight' and 'ImageWidth' so that their product is the vector size " +
                    "(channel-planar C x H x W, as ExtractPixels writes by default).", "options");
            }

            if (shape.PixelCount != vector.Size)
            {
                throw SchemaErrors.Mismatch("image", columnName,
                    $"Vector<Single, {shape.PixelCount}> (ImageChannels x ImageHeight x ImageWidth = {shape})",
                    type.ToString());
            }

            return new ImageColumnBinding(columnName, ImageColumnKind.PixelVector, shape);
        }
        throw SchemaErrors.Mismatch("image", columnName, Expected, type.ToString());
    }

    /// <summary>The estimator-side check on a <see cref="SchemaShape"/> (vector sizes are only known at Fit).</summary>
    public static void Check(SchemaShape inputSchema, string columnName)
    {
        var column = inputSchema.LastOrDefault(c => c.Name == columnName);
        if (column.Name is null)
            throw SchemaErrors.ColumnNotFound("image", columnName);
        bool ok = column.ItemType is ImageDataViewType && column.Kind == SchemaShape.Column.VectorKind.Scalar
            || column.ItemType == NumberDataViewType.Byte && column.Kind != SchemaShape.Column.VectorKind.Scalar && !column.IsKey
            || column.ItemType == NumberDataViewType.Single && column.Kind == SchemaShape.Column.VectorKind.Vector;
        if (!ok)
            throw SchemaErrors.Mismatch("image", columnName, Expected, Describe(column));
    }

    /// <summary>Creates a reader of the current image of <paramref name="row"/> (one per cursor or row).</summary>
    /// <summary>A reader of <paramref name="row"/>'s image; see <see cref="ImageRowReader"/> for <paramref name="reuseBuffers"/>.</summary>
    public ImageRowReader CreateReader(DataViewRow row, bool reuseBuffers = false) => new(this, row, reuseBuffers);

    private static string? Describe(SchemaShape.Column column)
    {
        string? item = column.IsKey ? $"Key<{column.ItemType}>" : column.ItemType.ToString();
        return column.Kind switch
        {
            SchemaShape.Column.VectorKind.Scalar => item,
            SchemaShape.Column.VectorKind.Vector => $"Vector<{item}>",
            _ => $"VarVector<{item}>",
        };
    }
}
