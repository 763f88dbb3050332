namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Thrown when <see cref="BornAgainTrainingOptions.CancellationToken"/> stops training. The generations that had
/// finished are not lost: they are in <see cref="Model"/> (engine) or <see cref="Transformer"/> (ML.NET trainer),
/// which the catcher owns and must dispose, and in the checkpoint directory when one is set.
/// </summary>
public sealed class TrainingCanceledException : OperationCanceledException
{
    internal TrainingCanceledException(string message, BornAgainModel? model, CancellationToken token, Exception? inner = null)
        : base(message, inner, token)
    {
        Model = model;
    }

    /// <summary>The finished generations (teacher first), or null when cancellation came before the teacher finished.</summary>
    public BornAgainModel? Model { get; }

    /// <summary>From the ML.NET trainer: a transformer scoring with the last finished generation, or null.</summary>
    public BornAgainTransformer? Transformer { get; internal set; }
}
