namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>Where a scoring row gets the class probabilities of its current position.</summary>
internal abstract class ScoreSource : IDisposable
{
    /// <summary>Probabilities of the row at <paramref name="position"/> (valid until the next call).</summary>
    public abstract ReadOnlySpan<float> ScoresAt(long position);

    public virtual void Dispose()
    {
    }
}

/// <summary>Scores the wrapped row's own image, once per position: PredictionEngine and shuffled cursors.</summary>
internal sealed class RowScoreSource : ScoreSource
{
    private readonly ImageScorer _scorer;
    private readonly ImageRowReader _reader;
    private readonly float[] _scores;
    private long _scoredPosition = -1;

    public RowScoreSource(ImageScorer scorer, ImageColumnBinding image, DataViewRow row)
    {
        _scorer = scorer;
        _reader = image.CreateReader(row);
        _scores = new float[scorer.ClassCount];
    }

    public override ReadOnlySpan<float> ScoresAt(long position)
    {
        if (position != _scoredPosition)
        {
            var image = _reader.Read();
            _scorer.Score(new[] { image }, _scores);
            _scoredPosition = position;
        }
        return _scores;
    }
}

/// <summary>
/// Scores in batches for <c>Transform</c>: a second cursor over the same data reads the images ahead of the row
/// the user is on, so a forward pass covers up to <see cref="BatchSize"/> rows. An IDataView's unshuffled cursors
/// visit the same rows in the same order, which keeps both cursors aligned by position.
/// </summary>
internal sealed class BatchScoreSource : ScoreSource
{
    public const int BatchSize = 64;

    private readonly ImageScorer _scorer;
    private readonly DataViewRowCursor _lookahead;
    private readonly ImageRowReader _reader;
    private readonly DecodedImage[] _images = new DecodedImage[BatchSize];
    private readonly float[] _scores;
    private long _batchStart;
    private int _batchCount;
    private bool _lookaheadHasRow;

    public BatchScoreSource(ImageScorer scorer, ImageColumnBinding image, IDataView input)
    {
        _scorer = scorer;
        _lookahead = input.GetRowCursor(new[] { input.Schema[image.ColumnName] });
        _reader = image.CreateReader(_lookahead);
        _scores = new float[BatchSize * scorer.ClassCount];
        _lookaheadHasRow = _lookahead.MoveNext();
    }

    public override ReadOnlySpan<float> ScoresAt(long position)
    {
        if (position < _batchStart || position >= _batchStart + _batchCount)
            ScoreBatchFrom(position);
        int classes = _scorer.ClassCount;
        return _scores.AsSpan((int)(position - _batchStart) * classes, classes);
    }

    private void ScoreBatchFrom(long position)
    {
        if (position < _batchStart)
            throw new InvalidOperationException($"Scores were asked for row {position} after row {_batchStart}: a cursor only moves forward.");
        while (_lookaheadHasRow && _lookahead.Position < position)
            _lookaheadHasRow = _lookahead.MoveNext();
        if (!_lookaheadHasRow || _lookahead.Position != position)
        {
            throw new InvalidOperationException(
                $"The input data gave different rows to two cursors (row {position} not found): batch scoring needs an IDataView whose cursors repeat.");
        }

        int count = 0;
        while (_lookaheadHasRow && count < BatchSize)
        {
            _images[count++] = _reader.Read();
            _lookaheadHasRow = _lookahead.MoveNext();
        }
        _scorer.Score(_images.AsSpan(0, count), _scores);
        Array.Clear(_images, 0, count); // release the decoded pixels
        _batchStart = position;
        _batchCount = count;
    }

    public override void Dispose() => _lookahead.Dispose();
}
