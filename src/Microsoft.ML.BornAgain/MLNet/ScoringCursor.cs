using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// A row (or cursor) that shows the input's columns followed by <c>Score</c> and <c>PredictedLabel</c>. Input
/// columns are passed through; the two outputs come from a <see cref="ScoreSource"/>. Disposing it disposes the
/// input, as ML.NET's own wrapping rows do.
/// </summary>
internal sealed class ScoringCursor : DataViewRowCursor
{
    private readonly DataViewRow _input;
    private readonly DataViewRowCursor? _inputCursor;
    private readonly DataViewSchema _outputSchema;
    private readonly ScoreSource? _scores;
    private readonly bool _scoreActive, _predictedLabelActive;
    private readonly int _scoreIndex;
    private bool _disposed;

    /// <param name="input">The wrapped row; a cursor when this is used as a cursor.</param>
    /// <param name="outputSchema">The input's schema plus Score and PredictedLabel, in that order.</param>
    /// <param name="scores">The score source, or null when neither output is active.</param>
    /// <param name="scoreActive">Whether the Score column is active.</param>
    /// <param name="predictedLabelActive">Whether the PredictedLabel column is active.</param>
    public ScoringCursor(DataViewRow input, DataViewSchema outputSchema, ScoreSource? scores, bool scoreActive, bool predictedLabelActive)
    {
        _input = input;
        _inputCursor = input as DataViewRowCursor;
        _outputSchema = outputSchema;
        _scores = scores;
        _scoreActive = scoreActive;
        _predictedLabelActive = predictedLabelActive;
        _scoreIndex = input.Schema.Count;
    }

    public override DataViewSchema Schema => _outputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override bool MoveNext() =>
        _inputCursor?.MoveNext() ?? throw new InvalidOperationException("A scoring row over a single input row cannot move.");

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column)
    {
        if (column.Index < _scoreIndex)
            return _input.IsColumnActive(_input.Schema[column.Index]);
        return column.Index == _scoreIndex ? _scoreActive : _predictedLabelActive;
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index < _scoreIndex)
            return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        if (!IsColumnActive(column))
            throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");

        Delegate getter = column.Index == _scoreIndex ? ScoreGetter() : PredictedLabelGetter();
        return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
            $"Invalid TValue in GetGetter: column '{column.Name}' has type {column.Type}, not {typeof(TValue).Name}.");
    }

    private ValueGetter<VBuffer<float>> ScoreGetter() => (ref VBuffer<float> destination) =>
    {
        var scores = _scores!.ScoresAt(Position);
        var editor = VBufferEditor.Create(ref destination, scores.Length);
        scores.CopyTo(editor.Values);
        destination = editor.Commit();
    };

    private ValueGetter<uint> PredictedLabelGetter() => (ref uint destination) =>
    {
        var scores = _scores!.ScoresAt(Position);
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
                best = i;
        }
        destination = (uint)best + 1; // keys are 1-based; 0 means missing
    };

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
            return;
        _disposed = true;
        if (disposing)
        {
            _scores?.Dispose();
            _input.Dispose();
        }
        base.Dispose(disposing);
    }
}
