using Microsoft.ML.BornAgain.Training;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// A <see cref="BornAgainModel"/> shared by a transformer and those made from it with
/// <c>WithScoringGenerations</c>: the networks are freed when the last of them is disposed.
/// </summary>
internal sealed class SharedModel
{
    private int _references = 1;

    public SharedModel(BornAgainModel model) => Model = model;

    public BornAgainModel Model { get; }

    public SharedModel Acquire()
    {
        if (Interlocked.Increment(ref _references) <= 1)
            throw new ObjectDisposedException(nameof(BornAgainTransformer));
        return this;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
            Model.Dispose();
    }
}
