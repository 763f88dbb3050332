namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// Everything scoring one input schema needs, checked once: the image column binding, the output schema and the
/// scorer. Shared by the row mapper (PredictionEngine) and the scored data view (Transform).
/// </summary>
internal sealed class ScoringPlan
{
    public ScoringPlan(DataViewSchema inputSchema, DataViewSchema outputSchema, ImageColumnBinding image, ImageScorer scorer)
    {
        InputSchema = inputSchema;
        OutputSchema = outputSchema;
        Image = image;
        Scorer = scorer;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public ImageColumnBinding Image { get; }

    public ImageScorer Scorer { get; }

    private int ScoreIndex => InputSchema.Count;

    /// <summary>Which of Score and PredictedLabel are among <paramref name="columns"/>.</summary>
    public (bool Score, bool PredictedLabel) ActiveOutputs(IEnumerable<DataViewSchema.Column> columns)
    {
        bool score = false, predicted = false;
        foreach (var column in columns)
        {
            score |= column.Index == ScoreIndex;
            predicted |= column.Index == ScoreIndex + 1;
        }
        return (score, predicted);
    }

    /// <summary>The input columns behind <paramref name="outputColumns"/>: pass-through ones, plus the image for outputs.</summary>
    public IEnumerable<DataViewSchema.Column> InputColumnsNeeded(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new HashSet<int>();
        foreach (var column in outputColumns)
            needed.Add(column.Index < ScoreIndex ? column.Index : InputSchema[Image.ColumnName].Index);
        return needed.Order().Select(i => InputSchema[i]).ToList();
    }
}
