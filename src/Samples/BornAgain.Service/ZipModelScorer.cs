using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.BornAgain;
using Microsoft.ML.Data;

namespace BornAgain.Service;

/// <summary>
/// A model.zip (ML.NET, scored by the Born-Again transformer with TorchSharp) and a bounded pool of PredictionEngines
/// over it. PredictionEngine is not thread-safe (ML.NET's
/// rule), so each request rents one and returns it; at most <c>maxEngines</c> exist, and a request that finds none
/// free waits (cancellably) for one. The transformers under the engines are shared (the Born-Again transformer may
/// score on several threads at once).
///
/// How an upload reaches the model: the sample's chain is MapValueToKey(Label) -> LoadImages(Image from ImagePath)
/// -> ResizeImages -> BornAgain -> MapKeyToValue. The service scores with the chain from the Born-Again transformer
/// on and puts the uploaded, still encoded bytes into its image column (the transformer accepts a byte[] column and
/// decodes it itself, resizing to its network's input size, bilinear and antialiased). So no temp file, no file
/// path from a request, no Label column to fake. The steps before it are not run: for images of the training size
/// (32 x 32 for the CIFAR-10 sample) that is the same input; other sizes are stretched to it rather than put through
/// ResizeImages' crop mode. (ML.NET's PredictionEngine cannot take an MLImage input member, so the chain's own
/// ResizeImages cannot be fed a decoded upload.)
/// </summary>
public sealed class ZipModelScorer : IModelScorer
{
    private readonly ITransformer _tail;
    private readonly EnginePool _pool;

    private ZipModelScorer(string path, MLContext context, ITransformer tail, string imageColumn, string[] labels,
        IReadOnlyList<GenerationInfo> generations, int maxEngines)
    {
        ModelPath = path;
        _tail = tail;
        Labels = labels;
        Generations = generations;
        var input = SchemaDefinition.Create(typeof(EncodedImageRow));
        input[nameof(EncodedImageRow.Image)].ColumnName = imageColumn;
        _pool = new EnginePool(() => context.Model.CreatePredictionEngine<EncodedImageRow, ScoreRow>(tail, inputSchemaDefinition: input), maxEngines);
    }

    /// <inheritdoc/>
    public string ModelPath { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> Labels { get; }

    /// <inheritdoc/>
    public IReadOnlyList<GenerationInfo> Generations { get; }

    /// <summary>The most engines this scorer holds (and so the most images it scores at once).</summary>
    public int MaxEngines => _pool.Capacity;

    /// <summary>The engines created so far: never more than <see cref="MaxEngines"/>.</summary>
    public int EnginesCreated => _pool.Created;

    /// <summary>Loads <paramref name="path"/>; any failure becomes a <see cref="ModelLoadException"/> naming the file.</summary>
    /// <param name="path">The model.zip.</param>
    /// <param name="maxEngines">The most prediction engines held at once; at least 1. Default: the processor count.</param>
    /// <param name="maxImagePixels">The model's <c>MaxImagePixels</c>: larger images are refused from their header.</param>
    public static ZipModelScorer Load(string path, int? maxEngines = null, long? maxImagePixels = null)
    {
        var fullPath = ModelScorers.ExistingFile(path);
        var context = new MLContext();
        ITransformer model;
        try
        {
            model = UntrustedModel.Load(context, fullPath, out _); // the zip is checked before ML.NET opens it
        }
        catch (Exception e) when (e.GetBaseException() is DllNotFoundException or NotSupportedException
            && e.GetBaseException().Message.Contains("libtorch", StringComparison.OrdinalIgnoreCase))
        {
            // An app published without a LibTorch backend (-p:UsesTorchSharpBackend=false) scores .onnx models only.
            string reason = e.GetBaseException().Message.Split('\n')[0].Trim();
            throw new ModelLoadException($"Model file '{fullPath}' needs LibTorch, which this app does not have ({reason}): " +
                "serve the model exported to ONNX (BornAgainTransformer.ExportToOnnx), or publish the service with its LibTorch backend.", e);
        }
        catch (Exception e)
        {
            throw new ModelLoadException($"Model file '{fullPath}' could not be loaded as an ML.NET model: {e.GetBaseException().Message}", e);
        }
        // LibTorch's intra-op threads are process-wide: share the cores out among the concurrent scorings.
        TorchSharp.torch.set_num_threads(ModelScorers.ThreadsPerScoring(maxEngines ?? Environment.ProcessorCount));
        var steps = model is IEnumerable<ITransformer> chain ? chain.ToList() : [model];
        var bornAgain = steps.OfType<BornAgainTransformer>().SingleOrDefault()
            ?? throw new ModelLoadException($"Model file '{fullPath}' holds no BornAgainTransformer (steps: {string.Join(", ", steps.Select(s => s.GetType().Name))}).");
        var tail = new TransformerChain<ITransformer>(steps.Skip(steps.IndexOf(bornAgain)).ToArray());
        string imageColumn = bornAgain.ImageColumnName;
        if (maxImagePixels is { } limit)
            bornAgain.MaxImagePixels = limit;

        var generations = bornAgain.ScoringGenerations
            .Select(g => new GenerationInfo(g, bornAgain.Generations[g].Architecture.ToString(), bornAgain.Generations[g].ToString()))
            .ToList();
        try
        {
            var labels = ReadLabels(tail, bornAgain.ScoreColumnName, imageColumn);
            return new ZipModelScorer(fullPath, context, tail, imageColumn, labels, generations, Math.Max(1, maxEngines ?? Environment.ProcessorCount));
        }
        catch (Exception e) when (e is not ModelLoadException)
        {
            throw new ModelLoadException($"Model file '{fullPath}' loaded, but cannot score images: {e.GetBaseException().Message}", e);
        }
    }

    /// <inheritdoc/>
    public PredictionResult Predict(byte[] encoded, CancellationToken cancellation = default)
    {
        var engine = _pool.Get(cancellation);
        float[] scores;
        try
        {
            cancellation.ThrowIfCancellationRequested();
            scores = engine.Predict(new EncodedImageRow { Image = encoded }).Score;
        }
        finally
        {
            _pool.Return(engine);
        }
        return PredictionResult.From(scores, Labels, Generations);
    }

    public void Dispose()
    {
        (_tail as IDisposable)?.Dispose();
    }

    /// <summary>The Score column's slot names: the label values, in score order.</summary>
    private static string[] ReadLabels(ITransformer tail, string scoreColumn, string imageColumn)
    {
        var inputSchema = SchemaWith(imageColumn, new VectorDataViewType(NumberDataViewType.Byte));
        var output = tail.GetOutputSchema(inputSchema)[scoreColumn];
        VBuffer<ReadOnlyMemory<char>> names = default;
        output.GetSlotNames(ref names);
        var labels = names.DenseValues().Select(n => n.ToString()).ToArray();
        if (labels.Length == 0 || labels.Any(string.IsNullOrEmpty))
            throw new InvalidDataException($"the '{scoreColumn}' column carries no class names");
        return labels;
    }

    private static DataViewSchema SchemaWith(string column, DataViewType type)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(column, type);
        return builder.ToSchema();
    }

    /// <summary>
    /// A bounded pool of engines: created on demand up to <see cref="Capacity"/>, kept for reuse, and a caller that
    /// finds none free waits for one (cancellably). The service's concurrency limit keeps the callers to the same
    /// number, so the wait is the exception; the bound holds even for a caller that bypasses the limit.
    ///
    /// Engines are never disposed: an engine made by MLContext.Model.CreatePredictionEngine owns its transformer by
    /// default (PredictionEngineOptions.OwnsTransformer, which the overload used here leaves at true), and its Dispose
    /// disposes the model's shared networks. The model is disposed once, by <see cref="ZipModelScorer.Dispose"/>.
    /// </summary>
    private sealed class EnginePool(Func<PredictionEngine<EncodedImageRow, ScoreRow>> create, int capacity)
    {
        private readonly ConcurrentBag<PredictionEngine<EncodedImageRow, ScoreRow>> _idle = [];
        private readonly SemaphoreSlim _slots = new(capacity, capacity);

        private int _created;

        public int Capacity => capacity;

        public int Created => Volatile.Read(ref _created);

        public PredictionEngine<EncodedImageRow, ScoreRow> Get(CancellationToken cancellation)
        {
            _slots.Wait(cancellation);
            try
            {
                if (_idle.TryTake(out var engine))
                    return engine;
                Interlocked.Increment(ref _created);
                return create();
            }
            catch
            {
                _slots.Release();
                throw;
            }
        }

        public void Return(PredictionEngine<EncodedImageRow, ScoreRow> engine)
        {
            _idle.Add(engine);
            _slots.Release();
        }
    }
}
