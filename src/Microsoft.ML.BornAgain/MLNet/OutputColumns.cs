using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// The two columns the trainer adds, in both of ML.NET's schema forms: <c>Score</c>, a <c>Vector&lt;Single&gt;</c>
/// of class probabilities with the label values as slot names, and <c>PredictedLabel</c>, a key carrying the
/// label's key values, so <c>MapKeyToValue</c> and <c>MulticlassClassification.Evaluate</c> work.
/// </summary>
internal static class OutputColumns
{
    private const string MulticlassClassification = "MulticlassClassification";
    private const string ScoreValueKind = "Score";

    /// <summary>The estimator's view (<see cref="SchemaShape"/>), from the input's label column shape.</summary>
    public static SchemaShape.Column[] Shape(SchemaShape.Column label, string scoreColumn, string predictedLabelColumn)
    {
        var keyValues = label.Annotations.FirstOrDefault(a => a.Name == AnnotationKinds.KeyValues);
        var scoreAnnotations = new List<SchemaShape.Column>
        {
            new(AnnotationKinds.ScoreColumnKind, SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false),
            new(AnnotationKinds.ScoreValueKind, SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false),
        };
        var predictedAnnotations = new List<SchemaShape.Column>();
        if (keyValues.Name is not null)
        {
            scoreAnnotations.Add(new(AnnotationKinds.SlotNames, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false));
            predictedAnnotations.Add(keyValues);
        }
        return new[]
        {
            new SchemaShape.Column(scoreColumn, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false,
                new SchemaShape(scoreAnnotations)),
            new SchemaShape.Column(predictedLabelColumn, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true,
                new SchemaShape(predictedAnnotations)),
        };
    }

    /// <summary>The fitted view: an output schema of the input's columns followed by Score and PredictedLabel.</summary>
    public static DataViewSchema Append(DataViewSchema input, LabelKeyValues labels, string scoreColumn, string predictedLabelColumn)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);

        var scoreAnnotations = new DataViewSchema.Annotations.Builder();
        labels.AddSlotNames(scoreAnnotations);
        scoreAnnotations.Add(AnnotationKinds.ScoreColumnKind, TextDataViewType.Instance,
            (ref ReadOnlyMemory<char> value) => value = MulticlassClassification.AsMemory());
        scoreAnnotations.Add(AnnotationKinds.ScoreValueKind, TextDataViewType.Instance,
            (ref ReadOnlyMemory<char> value) => value = ScoreValueKind.AsMemory());
        builder.AddColumn(scoreColumn, new VectorDataViewType(NumberDataViewType.Single, labels.ClassCount), scoreAnnotations.ToAnnotations());

        var predictedAnnotations = new DataViewSchema.Annotations.Builder();
        labels.AddKeyValues(predictedAnnotations);
        builder.AddColumn(predictedLabelColumn, new KeyDataViewType(typeof(uint), labels.ClassCount), predictedAnnotations.ToAnnotations());
        return builder.ToSchema();
    }
}
