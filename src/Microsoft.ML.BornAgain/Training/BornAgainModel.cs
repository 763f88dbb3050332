using Microsoft.ML.BornAgain.Ensembling;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// The result of Born-Again training: every generation's network, the input normalization they were trained with,
/// and the input shape. Scores with one generation or the BANE average of several.
/// </summary>
/// <remarks>
/// Scoring is safe from several threads at once (networks are only read, in evaluation mode, under no_grad);
/// disposing while another thread scores is not.
/// </remarks>
internal sealed class BornAgainModel : IDisposable
{
    private bool _disposed;

    internal BornAgainModel(IReadOnlyList<TrainedGeneration> generations, ChannelNormalization normalization,
        int inputChannels, int inputHeight, int inputWidth, int classCount, Device device)
    {
        if (generations.Count == 0)
            throw new ArgumentException("A model needs at least one generation.", nameof(generations));
        Generations = generations;
        Normalization = normalization;
        InputChannels = inputChannels;
        InputHeight = inputHeight;
        InputWidth = inputWidth;
        ClassCount = classCount;
        Device = device;
        foreach (var generation in generations)
            generation.Network.eval();
    }

    /// <summary>The generations in training order: index 0 is the teacher, index k is BAN-k.</summary>
    public IReadOnlyList<TrainedGeneration> Generations { get; }

    /// <summary>The per-channel normalization applied to every input.</summary>
    public ChannelNormalization Normalization { get; }

    /// <summary>Channels of the network input (1 or 3).</summary>
    public int InputChannels { get; }

    /// <summary>Height of the network input in pixels.</summary>
    public int InputHeight { get; }

    /// <summary>Width of the network input in pixels.</summary>
    public int InputWidth { get; }

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>The device the networks live on.</summary>
    public Device Device { get; }

    /// <summary>
    /// Class probabilities [B, classes] for raw images [B, C, H, W] (same pixel scale as in training): the
    /// prediction of one generation, or the mean of several generations' probabilities (BANE).
    /// </summary>
    /// <param name="images">Raw (unnormalized) Float32 images, shape [B, InputChannels, InputHeight, InputWidth].</param>
    /// <param name="generations">Generation indices to average; one index scores with that generation alone.</param>
    public Tensor PredictProbabilities(Tensor images, IReadOnlyList<int> generations)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckGenerations(generations, nameof(generations));
        if (images.dim() != 4 || images.shape[1] != InputChannels || images.shape[2] != InputHeight || images.shape[3] != InputWidth)
        {
            throw new ArgumentException(
                $"Expected images of shape [B, {InputChannels}, {InputHeight}, {InputWidth}]; got {ImageTensorDataset.FormatShape(images.shape)}.",
                nameof(images));
        }

        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var normalized = Normalization.ToNetworkInput(images, Device);
        var members = generations.Select(g => Generations[g].Network).ToList();
        return GenerationEnsemble.AverageProbabilities(members, normalized).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>Throws when <paramref name="generations"/> is empty, repeats an index or names a generation that doesn't exist.</summary>
    public void CheckGenerations(IReadOnlyList<int> generations, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(generations, parameterName);
        if (generations.Count == 0)
            throw new ArgumentException("At least one generation must score.", parameterName);
        foreach (int g in generations)
        {
            if (g < 0 || g >= Generations.Count)
            {
                throw new ArgumentOutOfRangeException(parameterName, g,
                    $"Generation {g} does not exist: the model has generations 0 (teacher) to {Generations.Count - 1}.");
            }
        }
        if (generations.Distinct().Count() != generations.Count)
        {
            throw new ArgumentException(
                $"Each generation may appear once; got [{string.Join(", ", generations)}].", parameterName);
        }
    }

    /// <summary>Frees every generation's network.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var generation in Generations)
            generation.Network.Dispose();
    }
}
