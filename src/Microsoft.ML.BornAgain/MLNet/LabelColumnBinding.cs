using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>Checks the label column: a key type of known count with at least two classes.</summary>
internal static class LabelColumnBinding
{
    private const string Hint = "add MapValueToKey";
    internal const int MaxClasses = 100_000;

    /// <summary>The estimator-side check on a <see cref="SchemaShape"/>.</summary>
    public static SchemaShape.Column Check(SchemaShape inputSchema, string columnName)
    {
        var column = inputSchema.LastOrDefault(c => c.Name == columnName);
        if (column.Name is null)
            throw SchemaErrors.ColumnNotFound("label", columnName);
        if (!column.IsKey || column.Kind != SchemaShape.Column.VectorKind.Scalar)
        {
            string? found = column.Kind == SchemaShape.Column.VectorKind.Scalar ? column.ItemType.ToString() : $"Vector<{column.ItemType}>";
            throw SchemaErrors.Mismatch("label", columnName, "key type", found, Hint);
        }
        return column;
    }

    /// <summary>The fitted check on a <see cref="DataViewSchema"/>; returns the column and its class count.</summary>
    public static (DataViewSchema.Column Column, int ClassCount) Bind(DataViewSchema schema, string columnName)
    {
        var column = schema.GetColumnOrNull(columnName) ?? throw SchemaErrors.ColumnNotFound("label", columnName);
        if (column.Type is not KeyDataViewType key)
            throw SchemaErrors.Mismatch("label", columnName, "key type", column.Type.ToString(), Hint);
        if (key.RawType != typeof(uint))
            throw SchemaErrors.Mismatch("label", columnName, "Key<UInt32>", column.Type.ToString(), Hint);
        if (key.Count < 2)
        {
            throw new ArgumentOutOfRangeException(SchemaErrors.InputSchemaParameter,
                $"Label column '{columnName}' has {key.Count} class: classification needs at least 2 classes.");
        }

        if (key.Count > MaxClasses)
        {
            throw new ArgumentOutOfRangeException(SchemaErrors.InputSchemaParameter,
                $"Label column '{columnName}' has {key.Count} classes; at most {MaxClasses} are supported.");
        }

        return (column, (int)key.Count);
    }
}
