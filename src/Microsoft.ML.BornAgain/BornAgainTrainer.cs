using Microsoft.ML.BornAgain.MLNet;
using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.BornAgain.Training.Distributed;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.BornAgain;

/// <summary>
/// The <see cref="IEstimator{TTransformer}"/> that trains Born-Again Networks (Furlanello et al., ICML 2018) for
/// image classification: a teacher network learns from the labels, then each generation of the same architecture
/// learns from the one before, and the generations can be averaged (BANE).
/// </summary>
/// <remarks>
/// <format type="text/markdown"><![CDATA[
/// To create this trainer, use [BornAgain().Train](xref:Microsoft.ML.BornAgain.BornAgainCatalog.Train*) or
/// `mlContext.MulticlassClassification.Trainers.BornAgain(...)`.
///
/// ### Input and output columns
/// | Column | Type | Description |
/// | -- | -- | -- |
/// | `Label` (input) | key type | the class; use `MapValueToKey` first |
/// | `Image` (input) | `MLImage`, `Vector<Byte>` of encoded bytes, or known-size `Vector<Single>` (C x H x W) | the image |
/// | `Score` (output) | `Vector<Single>` | the probability of each class |
/// | `PredictedLabel` (output) | key type | the most probable class, with the label's key values |
///
/// ### Trainer characteristics
/// | | |
/// | -- | -- |
/// | Machine learning task | Multiclass classification |
/// | Is normalization required? | No (per-channel normalization is computed from the training images) |
/// | Is caching required? | No (images are decoded once into memory) |
/// | Required NuGet in addition to Microsoft.ML | BornAgain.ML, Microsoft.ML.ImageAnalytics, and one TorchSharp backend (TorchSharp-cpu or a CUDA package) |
/// | Exportable to ONNX | No |
///
/// ### Training algorithm details
/// Generation 0 trains from the labels with SGD (Nesterov momentum, weight decay, the paper's step schedule or
/// cosine) and standard augmentation (random crop with 4-pixel reflection padding, horizontal flip). Generation k
/// trains, from a fresh seed and with the same schedule, against generation k-1's probabilities with the chosen
/// [BornAgainLoss](xref:Microsoft.ML.BornAgain.BornAgainLoss). See https://arxiv.org/abs/1805.04770.
/// ]]></format>
/// </remarks>
public sealed partial class BornAgainTrainer : IEstimator<BornAgainTransformer>
{
    private readonly IHostEnvironment _environment;
    private readonly Options _options;

    internal BornAgainTrainer(IHostEnvironment environment, Options options)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _environment = environment;
        _options = options;
    }

    /// <summary>
    /// Checks that the label is a key and the image column has a readable type, and returns the input schema with
    /// <c>Score</c> and <c>PredictedLabel</c> added.
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var label = LabelColumnBinding.Check(inputSchema, _options.LabelColumnName);
        ImageColumnBinding.Check(inputSchema, _options.ImageColumnName);
        var columns = inputSchema.Where(c => c.Name != _options.ScoreColumnName && c.Name != _options.PredictedLabelColumnName)
            .Concat(OutputColumns.Shape(label, _options.ScoreColumnName, _options.PredictedLabelColumnName));
        return new SchemaShape(columns);
    }

    /// <summary>Trains the teacher and the born-again generations on <paramref name="input"/>.</summary>
    /// <exception cref="TrainingCanceledException">Training was cancelled (the options' <c>CancellationToken</c> or
    /// <c>MLContext.CancelExecution()</c>) after at least one generation finished; the exception holds them.</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled before the teacher finished.</exception>
    public BornAgainTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var host = new TrainingHost(_environment, nameof(BornAgainTrainer), _options.CancellationToken);
        host.CheckAlive();

        using var chain = ContinuedChain.From(_options);
        chain?.CheckShape(_options);
        var (labelColumn, classCount) = LabelColumnBinding.Bind(input.Schema, _options.LabelColumnName);
        var labels = LabelKeyValues.FromColumn(labelColumn, classCount);
        chain?.CheckLabels(labels, _options.LabelColumnName);
        var image = ImageColumnBinding.Bind(input.Schema, _options.ImageColumnName, DeclaredShape(chain))
            .WithMaxPixels(_options.MaxImagePixels);

        var group = DataParallelGroup.Join(_options.DataParallel);
        var shard = group is null ? null : new TrainingDataLoader.Shard(row => DataParallelBatches.InShard(row, group.Rank, group.Size), group.All);
        ImageTensorDataset train;
        ImageShape shape;
        using (TrainingActivities.Start(TrainingActivities.ReadImages))
        {
            (train, shape) = group is null
                ? TrainingDataLoader.Read(input, image, _options.LabelColumnName, classCount, RequestedShape(image, chain), "training data", host.Token)
                : ReadShard(group, shard!, input, image, classCount, chain, host.Token);
        }
        using var trainData = train;
        long rows = shard?.RowCount ?? train.Count;
        if (rows < 2)
            throw new ArgumentException($"The training data has {rows} row: training needs at least 2.", nameof(input));
        var engineOptions = EngineOptions(host);
        chain?.ApplyTo(engineOptions);
        host.Info($"Born-Again training: {rows} images, {classCount} classes, network input {shape}, " +
            (chain is null
                ? $"{_options.Generations + 1} generations x {_options.EpochsPerGeneration} epochs of {_options.ArchitectureOf(0)}"
                : $"{chain.Model.Generations.Count} generations of {chain.Source} continued by {_options.Generations} x " +
                  $"{_options.EpochsPerGeneration} epochs of {engineOptions.ArchitectureOf(engineOptions.LastGeneration)}") +
            (group is null ? "." : $"; data-parallel rank {group.Rank} of {group.Size} ({group.LibraryName}), {train.Count} images in this rank's shard."));
        if (_options.TeacherInBFloat16)
        {
            if (BFloat16Teacher.IsNative(BornAgainTraining.ResolveDevice(engineOptions.Device)))
                host.Info("The students' teachers run their forward passes in bfloat16 (TeacherInBFloat16).");
            else
                host.Warning("Option 'TeacherInBFloat16' is set, but this device has no bfloat16 arithmetic (a CPU needs AVX512_BF16 or AMX, and ONEDNN_MAX_CPU_ISA, if set, must not hold oneDNN below them): the teachers run in float32.");
        }

        using var validation = _options.ValidationSet is null ? null : LoadValidation(_options.ValidationSet, shape, classCount, host.Token, chain);
        host.CheckAlive();

        BornAgainModel model;
        try
        {
            model = BornAgainTraining.Train(train, validation, engineOptions, chain?.Take(), group);
        }
        catch (GenerationsCanceledException e)
        {
            // Hand the finished generations over as a usable transformer, scoring with the last of them.
            var finished = e.Model.Generations.Count;
            var partial = CreateTransformer(e.Model, labels, shape, new[] { finished - 1 });
            throw new TrainingCanceledException(
                $"Training was cancelled ({CancellationSource(host)}) during generation {finished}; generations 0 to {finished - 1} " +
                "finished and are in the exception's Transformer, which scores with the last of them." +
                (_options.CheckpointDirectory is null ? "" : " Training again with the same checkpoint directory resumes."),
                partial, host.UserToken.IsCancellationRequested ? host.UserToken : e.CancellationToken, e);
        }
        return CreateTransformer(model, labels, shape, _options.ScoringGenerations ?? new[] { engineOptions.LastGeneration });
    }

    private static string CancellationSource(TrainingHost host) =>
        host.UserToken.IsCancellationRequested ? "by the options' CancellationToken" : "by MLContext.CancelExecution()";

    private BornAgainTransformer CreateTransformer(BornAgainModel model, LabelKeyValues labels, ImageShape shape, int[] scoring) =>
        new(model, labels, shape, _options.ImageColumnName, _options.ScoreColumnName, _options.PredictedLabelColumnName, scoring)
        {
            MaxImagePixels = _options.MaxImagePixels,
        };

    private ImageTensorDataset LoadValidation(IDataView data, ImageShape shape, int classCount, CancellationToken cancellation,
        ContinuedChain? chain)
    {
        using var reading = TrainingActivities.Start(TrainingActivities.ReadValidation);
        var (_, validationClasses) = LabelColumnBinding.Bind(data.Schema, _options.LabelColumnName);
        if (validationClasses != classCount)
        {
            throw new ArgumentException(
                $"Label column '{_options.LabelColumnName}' of 'ValidationSet' has {validationClasses} classes; the training data has {classCount}. " +
                "Map both with the same MapValueToKey transformer.", nameof(Options.ValidationSet));
        }

        var image = ImageColumnBinding.Bind(data.Schema, _options.ImageColumnName, DeclaredShape(chain))
            .WithMaxPixels(_options.MaxImagePixels);
        return TrainingDataLoader.Read(data, image, _options.LabelColumnName, classCount,
            TrainingDataLoader.RequestedShape.Exactly(shape), "validation set", cancellation).Data;
    }

    /// <summary>
    /// The options' ImageChannels/Height/Width when all three are set (required for pixel vectors), else the shape of
    /// the chain being continued (already checked against any of them that is set).
    /// </summary>
    private ImageShape? DeclaredShape(ContinuedChain? chain) =>
        _options is { ImageChannels: { } c, ImageHeight: { } h, ImageWidth: { } w } ? new ImageShape(c, h, w) : chain?.Shape;

    /// <summary>
    /// The declared shape of a pixel vector, else the shape of the chain being continued, else the options'
    /// ImageChannels/Height/Width (null parts come from the data).
    /// </summary>
    private TrainingDataLoader.RequestedShape RequestedShape(ImageColumnBinding image, ContinuedChain? chain) =>
        image.VectorShape is { } declared ? TrainingDataLoader.RequestedShape.Exactly(declared)
        : chain?.Shape is { } continued ? TrainingDataLoader.RequestedShape.Exactly(continued)
        : new(_options.ImageChannels, _options.ImageHeight, _options.ImageWidth);

    /// <summary>
    /// A data-parallel rank's shard: every row's label is read and checked, only the rank's rows (every N-th) and the
    /// first row (the input size) are decoded. The ranks then check that they read the same data (row count, label
    /// checksum). An error only this rank sees (an image that does not decode) ends every rank: the others would wait
    /// for this one in their next collective.
    /// </summary>
    private (ImageTensorDataset Data, ImageShape Shape) ReadShard(DataParallelGroup group, TrainingDataLoader.Shard shard,
        IDataView input, ImageColumnBinding image, int classCount, ContinuedChain? chain, CancellationToken cancellation)
    {
        (ImageTensorDataset Data, ImageShape Shape) read;
        try
        {
            read = TrainingDataLoader.Read(input, image, _options.LabelColumnName, classCount, RequestedShape(image, chain), "training data",
                cancellation, shard);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            group.AbortAfter(e);
            throw;
        }

        try
        {
            group.CheckSame("the training data", new[] { shard.RowCount, shard.LabelChecksum, classCount, read.Shape.Channels, read.Shape.Height, read.Shape.Width },
                new[] { "rows", "label checksum", "classes", "input channels", "input height", "input width" });
        }
        catch
        {
            read.Data.Dispose();
            throw;
        }

        return read;
    }

    /// <summary>
    /// The engine's options: ours, with the seed and device taken from the MLContext where unset, epochs logged on
    /// ML.NET's channel, and a token that both the user's token and <c>MLContext.CancelExecution()</c> cancel (the
    /// context is polled after every batch, so training stops within one batch).
    /// </summary>
    private BornAgainTrainingOptions EngineOptions(TrainingHost host)
    {
        var engine = _options.CopyTrainingOptions();
        var userEpochCallback = _options.EpochCompleted;
        var userBatchCallback = _options.BatchCompleted;
        engine.Seed = _options.Seed ?? host.Seed;
        engine.Device = _options.Device ?? host.Device();
        engine.CancellationToken = host.Token;
        engine.EpochCompleted = metrics =>
        {
            host.Info(EpochLogLine(metrics));
            userEpochCallback?.Invoke(metrics);
            host.Poll();
        };
        engine.BatchCompleted = progress =>
        {
            userBatchCallback?.Invoke(progress);
            host.Poll();
        };
        return engine;
    }

    private static string EpochLogLine(EpochMetrics m) =>
        $"Generation {m.Generation}, epoch {m.Epoch}: loss {m.TrainingLoss:F4}, accuracy {m.TrainingAccuracy:P2}" +
        (m.ValidationAccuracy is { } va ? $", validation accuracy {va:P2}" : "") +
        $", lr {m.LearningRate:G3}, {m.Duration.TotalSeconds:F1} s";
}
