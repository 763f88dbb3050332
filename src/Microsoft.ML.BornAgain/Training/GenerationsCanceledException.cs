namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// The engine's cancellation after at least one generation finished: carries the finished generations, which the
/// catcher owns and must dispose. The ML.NET trainer turns it into the public <see cref="TrainingCanceledException"/>.
/// </summary>
internal sealed class GenerationsCanceledException : OperationCanceledException
{
    internal GenerationsCanceledException(string message, BornAgainModel model, CancellationToken token, Exception? inner = null)
        : base(message, inner, token)
    {
        Model = model;
    }

    /// <summary>The finished generations (teacher first).</summary>
    public BornAgainModel Model { get; }
}
