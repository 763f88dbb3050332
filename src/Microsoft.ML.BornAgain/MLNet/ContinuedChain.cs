using System.Security.Cryptography;
using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// The trained chain a Fit continues (<c>Options.ContinueFrom</c> or <c>ContinueFromModelPath</c>): its generations
/// copied into fresh networks on the training device, with the labels, input shape and normalization they were
/// trained with, and the checks that refuse options or data that contradict it.
/// </summary>
internal sealed class ContinuedChain : IDisposable
{
    private bool _taken;

    private ContinuedChain(BornAgainModel model, LabelKeyValues labels, ImageShape shape, string source)
    {
        Model = model;
        Labels = labels;
        Shape = shape;
        Source = source;
    }

    /// <summary>Copies of the chain's generations (owned by this object until handed to the engine).</summary>
    public BornAgainModel Model { get; }

    public LabelKeyValues Labels { get; }

    public ImageShape Shape { get; }

    /// <summary>How the chain is named in messages: "the model in 'path'" or "the ContinueFrom transformer".</summary>
    public string Source { get; }

    /// <summary>Reads the chain the options name, or returns null when they name none.</summary>
    public static ContinuedChain? From(BornAgainTrainer.Options options)
    {
        if (options.ContinueFrom is { } transformer)
            return Copy(transformer, "the 'ContinueFrom' model");
        if (options.ContinueFromModelPath is not { } path)
            return null;
        if (!File.Exists(path))
            throw new FileNotFoundException($"Option 'ContinueFromModelPath' names '{path}', which does not exist.", path);

        var loaded = new MLContext().Model.Load(path, out _);
        try
        {
            var bornAgain = Find(loaded) ?? throw new ArgumentException(
                $"Option 'ContinueFromModelPath': the model in '{path}' holds no BornAgainTransformer " +
                $"(found {loaded.GetType().Name}); save the fitted pipeline that ends with the Born-Again trainer.",
                nameof(options.ContinueFromModelPath));
            return Copy(bornAgain, $"the model in '{path}'");
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    private static BornAgainTransformer? Find(ITransformer transformer) => transformer switch
    {
        BornAgainTransformer bornAgain => bornAgain,
        IEnumerable<ITransformer> chain => chain.Select(Find).LastOrDefault(t => t is not null),
        _ => null,
    };

    private static ContinuedChain Copy(BornAgainTransformer transformer, string source)
    {
        var model = transformer.Model;
        var copies = new List<TrainedGeneration>();
        try
        {
            foreach (var generation in model.Generations)
            {
                var network = generation.Architecture.CreateNetwork(model.InputChannels, model.ClassCount);
                copies.Add(new TrainedGeneration(generation.Index, generation.Architecture, network, generation.Epochs));
                GenerationState.LoadWeights(network, GenerationState.SaveWeights(generation.Network));
            }
            var copy = new BornAgainModel(copies, model.Normalization, model.InputChannels, model.InputHeight, model.InputWidth,
                model.ClassCount, TorchSharp.torch.CPU);
            return new ContinuedChain(copy, transformer.Labels, transformer.InputShape, source);
        }
        catch
        {
            foreach (var generation in copies)
                generation.Network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The image shape the options declare must be the chain's: a continued chain cannot change its input.
    /// </summary>
    public void CheckShape(BornAgainTrainer.Options options)
    {
        Check(options.ImageChannels, Shape.Channels, nameof(options.ImageChannels));
        Check(options.ImageHeight, Shape.Height, nameof(options.ImageHeight));
        Check(options.ImageWidth, Shape.Width, nameof(options.ImageWidth));

        void Check(int? value, int chain, string option)
        {
            if (value is { } set && set != chain)
            {
                throw new ArgumentException(
                    $"Option '{option}' is {set}, but {Source} was trained on {Shape} images (channels x height x width); " +
                    $"a continued chain keeps its input. Leave '{option}' unset or set it to {chain}.", option);
            }
        }
    }

    /// <summary>The training data's labels must be the chain's classes, in the same order.</summary>
    public void CheckLabels(LabelKeyValues data, string labelColumnName)
    {
        if (data.ClassCount != Labels.ClassCount)
        {
            throw new ArgumentException(
                $"Label column '{labelColumnName}' has {data.ClassCount} classes, but {Source} was trained with {Labels.ClassCount}; " +
                "a continued chain keeps its classes.", "input");
        }

        if (data.TypeName is null || Labels.TypeName is null)
            return; // one side has no key values to compare: the class count is all that can be checked
        for (int i = 0; i < data.ClassCount; i++)
        {
            if (data.Values[i] != Labels.Values[i])
            {
                throw new ArgumentException(
                    $"Label column '{labelColumnName}' has class {i} = '{data.Values[i]}', but {Source} has class {i} = " +
                    $"'{Labels.Values[i]}'; a continued chain keeps its classes in order (map the labels with the same " +
                    "MapValueToKey as when it was trained).", "input");
            }
        }
    }

    /// <summary>
    /// The architectures the new generations use: the options' when they agree with the chain (or none was chosen);
    /// refuses options that name another network for a generation the chain already has.
    /// </summary>
    public void ApplyTo(BornAgainTrainingOptions engine)
    {
        var generations = Model.Generations;
        var last = generations[^1].Architecture;
        engine.ContinuedGenerations = generations.Count;
        if (engine.GenerationArchitectures is { } perGeneration)
        {
            if (perGeneration.Count != engine.LastGeneration + 1)
            {
                throw new ArgumentException(
                    $"Option 'GenerationArchitectures' needs one entry per generation of the whole chain: {Source}'s " +
                    $"{generations.Count} and {engine.Generations} new ones ({engine.LastGeneration + 1}); got {perGeneration.Count}.",
                    nameof(engine.GenerationArchitectures));
            }

            for (int g = 0; g < generations.Count; g++)
            {
                if (perGeneration[g] != generations[g].Architecture)
                {
                    throw new ArgumentException(
                        $"Option 'GenerationArchitectures' names {perGeneration[g]} for generation {g}, but generation {g} of {Source} " +
                        $"is a {generations[g].Architecture}.", nameof(engine.GenerationArchitectures));
                }
            }
        }
        else if (engine.ArchitectureWasSet && engine.Architecture != last)
        {
            throw new ArgumentException(
                $"Option 'Architecture' is {engine.Architecture}, but {Source} ends with a {last}: its students are the same network. " +
                "Leave 'Architecture' unset, or set 'GenerationArchitectures' for students of another network.", nameof(engine.Architecture));
        }
        else
        {
            engine.Architecture = last;
            if (generations.Any(g => g.Architecture != last))
            {
                // A chain of several networks: name each generation, so checkpoints compare the right ones.
                engine.GenerationArchitectures = generations.Select(g => g.Architecture)
                    .Concat(Enumerable.Repeat(last, engine.Generations)).ToList();
            }
        }

        engine.ContinuedChainFingerprint = Fingerprint();
    }

    /// <summary>A hash of the chain's weights and normalization: a checkpoint of one continuation is not resumed for another.</summary>
    private string Fingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var generation in Model.Generations)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(generation.Architecture.ToString()));
            hash.AppendData(GenerationState.SaveWeights(generation.Network));
        }
        foreach (float value in Model.Normalization.Mean.Concat(Model.Normalization.StandardDeviation))
            hash.AppendData(BitConverter.GetBytes(value));
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>Hands the copies to the engine, which owns them from then on.</summary>
    public BornAgainModel Take()
    {
        _taken = true;
        return Model;
    }

    /// <summary>Frees the copies unless they were handed to the engine.</summary>
    public void Dispose()
    {
        if (!_taken)
            Model.Dispose();
    }
}
