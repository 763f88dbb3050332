using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// The label's class count and key values (the original labels, such as "cat" and "dog"), captured at Fit so the
/// outputs carry them: <c>PredictedLabel</c> as its KeyValues (for <c>MapKeyToValue</c>), <c>Score</c> as slot names.
/// Saved in the model as strings with their ML.NET type, so a model loaded elsewhere gives back the same values.
/// </summary>
internal sealed class LabelKeyValues
{
    // Key value types a model can carry; the name is what the model file stores.
    private static readonly Dictionary<string, PrimitiveDataViewType> SupportedTypes = new()
    {
        ["Text"] = TextDataViewType.Instance,
        ["Int32"] = NumberDataViewType.Int32,
        ["UInt32"] = NumberDataViewType.UInt32,
        ["Int64"] = NumberDataViewType.Int64,
        ["UInt64"] = NumberDataViewType.UInt64,
        ["Single"] = NumberDataViewType.Single,
        ["Double"] = NumberDataViewType.Double,
        ["Boolean"] = BooleanDataViewType.Instance,
    };

    private LabelKeyValues(int classCount, string? typeName, string[] values)
    {
        ClassCount = classCount;
        TypeName = typeName;
        Values = values;
    }

    public int ClassCount { get; }

    /// <summary>The ML.NET type name of the key values ("Text", "Int32", ...); null when the label has none.</summary>
    public string? TypeName { get; }

    /// <summary>Key values as invariant strings, one per class (empty when <see cref="TypeName"/> is null).</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>Reads the class count and key values of a key-typed label column.</summary>
    public static LabelKeyValues FromColumn(DataViewSchema.Column label, int classCount)
    {
        var annotation = label.Annotations.Schema.GetColumnOrNull(AnnotationKinds.KeyValues);
        if (annotation is not { Type: VectorDataViewType { ItemType: PrimitiveDataViewType itemType } })
            return new LabelKeyValues(classCount, null, Array.Empty<string>());
        string typeName = SupportedTypes.FirstOrDefault(p => p.Value.Equals(itemType)).Key ?? "Text";
        var values = typeName switch
        {
            "Text" when itemType is TextDataViewType => Read<ReadOnlyMemory<char>>(label, annotation.Value, v => v.ToString()),
            "Text" => ReadAnyAsText(label, annotation.Value, itemType),
            "Int32" => Read<int>(label, annotation.Value, v => v.ToString(CultureInfo.InvariantCulture)),
            "UInt32" => Read<uint>(label, annotation.Value, v => v.ToString(CultureInfo.InvariantCulture)),
            "Int64" => Read<long>(label, annotation.Value, v => v.ToString(CultureInfo.InvariantCulture)),
            "UInt64" => Read<ulong>(label, annotation.Value, v => v.ToString(CultureInfo.InvariantCulture)),
            "Single" => Read<float>(label, annotation.Value, v => v.ToString("R", CultureInfo.InvariantCulture)),
            "Double" => Read<double>(label, annotation.Value, v => v.ToString("R", CultureInfo.InvariantCulture)),
            _ => Read<bool>(label, annotation.Value, v => v ? "true" : "false"),
        };
        if (values.Length != classCount)
        {
            throw new InvalidOperationException(
                $"Label column '{label.Name}' has {values.Length} key values for a key type of {classCount} classes.");
        }

        return new LabelKeyValues(classCount, typeName, values);
    }

    /// <summary>Rebuilds from a model file; the caller has checked the counts.</summary>
    public static LabelKeyValues FromSaved(int classCount, string? typeName, string[] values)
    {
        if (typeName is not null && !SupportedTypes.ContainsKey(typeName))
            throw new InvalidDataException($"The model's label key values have an unknown type '{typeName}'.");
        if (typeName is not null && values.Length != classCount)
            throw new InvalidDataException($"The model has {values.Length} label key values for {classCount} classes.");
        return new LabelKeyValues(classCount, typeName, values);
    }

    /// <summary>The KeyValues annotation of PredictedLabel (nothing when the label had none).</summary>
    public void AddKeyValues(DataViewSchema.Annotations.Builder builder)
    {
        if (TypeName is null)
            return;
        var itemType = SupportedTypes[TypeName];
        var vectorType = new VectorDataViewType(itemType, ClassCount);
        switch (TypeName)
        {
            case "Text": builder.Add(AnnotationKinds.KeyValues, vectorType, Getter(v => v.AsMemory())); break;
            case "Int32": builder.Add(AnnotationKinds.KeyValues, vectorType, Getter(v => int.Parse(v, CultureInfo.InvariantCulture))); break;
            case "UInt32": builder.Add(AnnotationKinds.KeyValues, vectorType, Getter(v => uint.Parse(v, CultureInfo.InvariantCulture))); break;
            case "Int64": builder.Add(AnnotationKinds.KeyValues, vectorType, Getter(v => long.Parse(v, CultureInfo.InvariantCulture))); break;
            case "UInt64": builder.Add(AnnotationKinds.KeyValues, vectorType, Getter(v => ulong.Parse(v, CultureInfo.InvariantCulture))); break;
            case "Single": builder.Add(AnnotationKinds.KeyValues, vectorType, Getter(v => float.Parse(v, CultureInfo.InvariantCulture))); break;
            case "Double": builder.Add(AnnotationKinds.KeyValues, vectorType, Getter(v => double.Parse(v, CultureInfo.InvariantCulture))); break;
            default: builder.Add(AnnotationKinds.KeyValues, vectorType, Getter(v => v == "true")); break;
        }
    }

    /// <summary>The SlotNames annotation of Score: the key values as text (nothing when the label had none).</summary>
    public void AddSlotNames(DataViewSchema.Annotations.Builder builder)
    {
        if (TypeName is null)
            return;
        builder.Add(AnnotationKinds.SlotNames, new VectorDataViewType(TextDataViewType.Instance, ClassCount),
            Getter(v => v.AsMemory()));
    }

    private ValueGetter<VBuffer<T>> Getter<T>(Func<string, T> parse)
    {
        var parsed = Values.Select(parse).ToArray();
        return (ref VBuffer<T> destination) => new VBuffer<T>(parsed.Length, parsed).CopyTo(ref destination);
    }

    private static string[] Read<T>(DataViewSchema.Column label, DataViewSchema.Column annotation, Func<T, string> format)
    {
        VBuffer<T> buffer = default;
        label.Annotations.GetGetter<VBuffer<T>>(annotation)(ref buffer);
        return buffer.DenseValues().Select(format).ToArray();
    }

    private static string[] ReadAnyAsText(DataViewSchema.Column label, DataViewSchema.Column annotation, DataViewType itemType) =>
        throw new InvalidOperationException(
            $"Label column '{label.Name}' has key values of type {itemType}, which a Born-Again model cannot carry; " +
            "map the label from text, integer, floating-point or Boolean values.");
}
