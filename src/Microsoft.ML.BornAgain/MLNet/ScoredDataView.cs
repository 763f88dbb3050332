using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// The IDataView returned by <c>Transform</c>: the input plus Score and PredictedLabel, scored in batches. It is an
/// ML.NET data transform that writes itself into <c>mlContext.Model.ConvertToOnnx</c>'s graph when its image column
/// is a pixel vector (ML.NET cannot export image loading, so the other image kinds fail the export, saying so).
/// </summary>
internal sealed class ScoredDataView : ITransformCanSaveOnnx
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

    /// <summary>The scored input (ML.NET's walk back through a pipeline's data transforms).</summary>
    public IDataView Source => _input;

    /// <summary>
    /// True: the export goes on through this transform, and <see cref="SaveAsOnnx"/> says why when it cannot write
    /// the graph (an image column that is not a pixel vector), rather than ML.NET's generic "cannot be converted".
    /// </summary>
    public bool CanSaveOnnx(OnnxContext ctx) => true;

    /// <summary>Writes the Born-Again graph (see docs/onnx.md) from the pixel column to Score and PredictedLabel.</summary>
    public void SaveAsOnnx(OnnxContext ctx) => OnnxContextGraph.SaveScoring(ctx, _plan, Schema);

    /// <summary>Not saved as a data transform: the transformer saves itself (BornAgainTransformer, Serialization/).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("Save the BornAgainTransformer with mlContext.Model.Save; its output view is not saved on its own.");
}
