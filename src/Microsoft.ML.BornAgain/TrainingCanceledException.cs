namespace Microsoft.ML.BornAgain;

/// <summary>
/// Thrown by <see cref="BornAgainTrainer.Fit"/> when training is cancelled (by
/// <see cref="BornAgainTrainer.Options"/>' <c>CancellationToken</c> or by <c>MLContext.CancelExecution()</c>) after at
/// least one generation finished. The finished generations are not lost: <see cref="Transformer"/> scores with the
/// last of them (the catcher owns it and must dispose it), and they are in the checkpoint directory when one is set.
/// Cancellation before the teacher finished throws a plain <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class TrainingCanceledException : OperationCanceledException
{
    internal TrainingCanceledException(string message, BornAgainTransformer transformer, CancellationToken token, Exception? inner = null)
        : base(message, inner, token)
    {
        Transformer = transformer;
    }

    /// <summary>A transformer scoring with the last finished generation; the catcher owns it and must dispose it.</summary>
    public BornAgainTransformer Transformer { get; }
}
