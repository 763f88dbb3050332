using Microsoft.ML.BornAgain.MLNet;
using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain;

/// <summary>
/// The fitted Born-Again model: scores images with one generation or the BANE average of several, adding
/// <c>Score</c> (class probabilities) and <c>PredictedLabel</c> (a key with the label's values).
/// </summary>
/// <remarks>
/// <para>Saves into the ML.NET model zip with <c>mlContext.Model.Save</c> (weights included, no side files) and
/// loads with <c>mlContext.Model.Load</c> in any app that references this package.</para>
/// <para>Thread safety: <see cref="Transform"/> may be called from several threads at once, and each
/// <c>PredictionEngine</c> (which is not thread-safe itself) may be used from its own thread. Dispose the
/// transformer only when no thread is scoring with it.</para>
/// </remarks>
public sealed partial class BornAgainTransformer : ITransformer, IDisposable
{
    private readonly SharedModel _shared;
    private readonly LabelKeyValues _labels;
    private readonly int[] _scoringGenerations;
    private bool _disposed;

    /// <summary>Wraps a trained (or loaded) model; the transformer owns it.</summary>
    internal BornAgainTransformer(BornAgainModel model, LabelKeyValues labels, ImageShape inputShape, string imageColumnName,
        string scoreColumnName, string predictedLabelColumnName, IReadOnlyList<int> scoringGenerations)
        : this(new SharedModel(model), labels, inputShape, imageColumnName, scoreColumnName, predictedLabelColumnName, scoringGenerations)
    {
    }

    private BornAgainTransformer(SharedModel shared, LabelKeyValues labels, ImageShape inputShape, string imageColumnName,
        string scoreColumnName, string predictedLabelColumnName, IReadOnlyList<int> scoringGenerations)
    {
        shared.Model.CheckGenerations(scoringGenerations, nameof(scoringGenerations));
        _shared = shared;
        _labels = labels;
        InputShape = inputShape;
        ImageColumnName = imageColumnName;
        ScoreColumnName = scoreColumnName;
        PredictedLabelColumnName = predictedLabelColumnName;
        _scoringGenerations = scoringGenerations.ToArray();
    }

    /// <summary>Every generation in training order (0 is the teacher): architecture, parameters, per-epoch metrics.</summary>
    public IReadOnlyList<TrainedGeneration> Generations => Model.Generations;

    /// <summary>The generations whose probabilities are averaged when scoring (one index: that generation alone).</summary>
    public IReadOnlyList<int> ScoringGenerations => _scoringGenerations;

    /// <summary>The name of the image column read when scoring.</summary>
    public string ImageColumnName { get; }

    /// <summary>The name of the output column of class probabilities.</summary>
    public string ScoreColumnName { get; }

    /// <summary>The name of the output column of the predicted class.</summary>
    public string PredictedLabelColumnName { get; }

    /// <summary>The trained model behind this transformer.</summary>
    internal BornAgainModel Model
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _shared.Model;
        }
    }

    internal ImageShape InputShape { get; }

    /// <summary>
    /// The most pixels (width x height) an image to score may have: encoded images are measured from their header
    /// before decoding and refused above it with an <see cref="InvalidDataException"/> naming the column and the row.
    /// </summary>
    /// <value>
    /// The trainer's <see cref="BornAgainTrainer.Options.MaxImagePixels"/>; 16,777,216 (4096 x 4096) for a transformer
    /// loaded from a file (the limit is not saved). Set it before creating a <c>PredictionEngine</c> or calling
    /// <see cref="Transform"/>; at least 1.
    /// </value>
    public long MaxImagePixels
    {
        get => _maxImagePixels;
        set
        {
            EncodedImageHeader.CheckLimit(value, nameof(MaxImagePixels));
            _maxImagePixels = value;
        }
    }

    private long _maxImagePixels = EncodedImageHeader.DefaultMaxPixels;

    internal LabelKeyValues Labels => _labels;

    /// <summary>Always true: the transformer maps each row on its own, so <c>PredictionEngine</c> can use it.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>
    /// A transformer over the same trained networks that scores with <paramref name="generations"/>: one index
    /// scores with that generation alone, several average their probabilities (BANE). It saves and loads like
    /// this one; the networks are shared, and freed when the last transformer using them is disposed.
    /// </summary>
    /// <param name="generations">Generation indices, 0 (the teacher) to <c>Generations.Count - 1</c>, each at most once.</param>
    public BornAgainTransformer WithScoringGenerations(params int[] generations)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Model.CheckGenerations(generations, nameof(generations));
        return new BornAgainTransformer(_shared.Acquire(), _labels, InputShape, ImageColumnName, ScoreColumnName,
            PredictedLabelColumnName, generations) { MaxImagePixels = MaxImagePixels };
    }

    /// <summary>The input schema with <c>Score</c> and <c>PredictedLabel</c> added; checks the image column.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Plan(inputSchema).OutputSchema;

    /// <summary>Scores <paramref name="input"/> lazily, in batches, as its rows are read.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ScoredDataView(input, Plan(input.Schema));
    }

    /// <summary>The row-by-row mapper that <c>PredictionEngine</c> uses.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new ScoringRowMapper(Plan(inputSchema));

    /// <summary>Frees the networks unless a transformer made by <see cref="WithScoringGenerations"/> still uses them.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _shared.Release();
    }

    private ScoringPlan Plan(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var image = ImageColumnBinding.Bind(inputSchema, ImageColumnName, InputShape).WithMaxPixels(MaxImagePixels);
        var output = OutputColumns.Append(inputSchema, _labels, ScoreColumnName, PredictedLabelColumnName);
        return new ScoringPlan(inputSchema, output, image, new ImageScorer(Model, InputShape, _scoringGenerations));
    }
}
