using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>The row-to-row mapper behind <c>PredictionEngine</c>: scores one row at a time.</summary>
internal sealed class ScoringRowMapper : IRowToRowMapper
{
    private readonly ScoringPlan _plan;

    public ScoringRowMapper(ScoringPlan plan) => _plan = plan;

    public DataViewSchema InputSchema => _plan.InputSchema;

    public DataViewSchema OutputSchema => _plan.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        _plan.InputColumnsNeeded(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        var (score, predicted) = _plan.ActiveOutputs(activeColumns);
        var source = score || predicted ? new RowScoreSource(_plan.Scorer, _plan.Image, input) : null;
        return new ScoringCursor(input, OutputSchema, source, score, predicted);
    }
}
