namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>The IDataView returned by <c>Transform</c>: the input plus Score and PredictedLabel, scored in batches.</summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly IDataView _input;
    private readonly ScoringPlan _plan;

    public ScoredDataView(IDataView input, ScoringPlan plan)
    {
        _input = input;
        _plan = plan;
    }

    public DataViewSchema Schema => _plan.OutputSchema;

    public bool CanShuffle => _input.CanShuffle;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        var (score, predicted) = _plan.ActiveOutputs(needed);
        var inputCursor = _input.GetRowCursor(_plan.InputColumnsNeeded(needed), rand);
        ScoreSource? source = null;
        if (score || predicted)
        {
            // A shuffled cursor can't be repeated by a second cursor, so it scores row by row.
            source = rand is null
                ? new BatchScoreSource(_plan.Scorer, _plan.Image, _input)
                : new RowScoreSource(_plan.Scorer, _plan.Image, inputCursor);
        }
        return new ScoringCursor(inputCursor, Schema, source, score, predicted);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };
}
