using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Keeps the checkpoint of one training run: resumes the finished generations from it, and rewrites it after every
/// epoch with the finished generations plus the one in progress.
/// </summary>
internal sealed class CheckpointWriter
{
    private readonly string _directory;
    private readonly string _fingerprint;
    private readonly int _epochsPerGeneration;
    private readonly List<TrainingCheckpoint.Finished> _finished = new();

    public CheckpointWriter(string directory, BornAgainTrainingOptions options, ImageTensorDataset train, long seed)
    {
        _directory = directory;
        _epochsPerGeneration = options.EpochsPerGeneration;
        _fingerprint = TrainingCheckpoint.ComputeFingerprint(options, train, seed);
    }

    /// <summary>
    /// Loads the finished generations of an earlier run into <paramref name="generations"/> and returns the state of
    /// the generation it was in, or null when there is no checkpoint (or it had no generation in progress).
    /// </summary>
    public TrainingCheckpoint.InProgress? ResumeInto(List<TrainedGeneration> generations, ImageTensorDataset train, Device device)
    {
        var checkpoint = TrainingCheckpoint.TryRead(_directory);
        if (checkpoint is null)
            return null;
        if (checkpoint.Fingerprint != _fingerprint)
        {
            throw new InvalidOperationException(
                $"The checkpoint in '{_directory}' was written for other options or other training data; resuming from it " +
                "would train a different model. Use another 'CheckpointDirectory', or delete the checkpoint to start again.");
        }

        foreach (var finished in checkpoint.FinishedGenerations)
        {
            var network = finished.Architecture.CreateNetwork(train.Channels, train.ClassCount);
            GenerationState.LoadWeights(network, finished.Weights);
            network.to(device).eval();
            generations.Add(new TrainedGeneration(generations.Count, finished.Architecture, network, finished.Epochs));
            _finished.Add(finished);
        }
        return checkpoint.Current;
    }

    /// <summary>Writes the checkpoint after an epoch: the generation moves to the finished list after its last epoch.</summary>
    public void EpochFinished(TrainingCheckpoint.InProgress state)
    {
        if (state.Epochs.Count == _epochsPerGeneration)
        {
            _finished.Add(new TrainingCheckpoint.Finished(state.Architecture, state.Epochs, state.Weights));
            new TrainingCheckpoint(_fingerprint, _finished, null).Write(_directory);
        }
        else
        {
            new TrainingCheckpoint(_fingerprint, _finished, state).Write(_directory);
        }
    }
}
