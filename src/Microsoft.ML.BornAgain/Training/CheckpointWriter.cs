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
    private readonly BornAgainTrainingOptions _options;
    private readonly List<TrainingCheckpoint.Finished> _finished = new();

    // fingerprint: the run's fingerprint when it is not this process's data alone (data-parallel ranks combine theirs).
    public CheckpointWriter(string directory, BornAgainTrainingOptions options, ImageTensorDataset train, long seed, string? fingerprint = null)
    {
        _directory = directory;
        _epochsPerGeneration = options.EpochsPerGeneration;
        _options = options;
        _fingerprint = fingerprint ?? TrainingCheckpoint.ComputeFingerprint(options, train, seed);
    }

    /// <summary>
    /// Loads the finished generations of an earlier run into <paramref name="generations"/> and returns the state of
    /// the generation it was in, or null when there is no checkpoint (or it had no generation in progress).
    /// </summary>
    /// <remarks>
    /// <paramref name="generations"/> may already hold a continued chain: those generations are not trained here, but
    /// every checkpoint lists them too (so it describes the whole chain), and on resume they are kept, not reloaded.
    /// </remarks>
    public TrainingCheckpoint.InProgress? ResumeInto(List<TrainedGeneration> generations, ImageTensorDataset train, Device device)
    {
        int continued = generations.Count;
        var checkpoint = TrainingCheckpoint.TryRead(_directory);
        if (checkpoint is null)
        {
            foreach (var generation in generations)
                _finished.Add(new TrainingCheckpoint.Finished(generation.Architecture, generation.Epochs, GenerationState.SaveWeights(generation.Network)));
            return null;
        }
        if (checkpoint.Fingerprint != _fingerprint)
        {
            throw new InvalidOperationException(
                $"The checkpoint in '{_directory}' was written for other options or other training data; resuming from it " +
                "would train a different model. Use another 'CheckpointDirectory', or delete the checkpoint to start again.");
        }

        CheckArchitectures(checkpoint);
        if (checkpoint.FinishedGenerations.Count < continued)
            throw TrainingCheckpoint.Damaged(Path, $"it holds {checkpoint.FinishedGenerations.Count} finished generations; the continued chain alone has {continued}");
        foreach (var finished in checkpoint.FinishedGenerations)
        {
            if (_finished.Count < continued)
            {
                // A generation of the continued chain: the fingerprint says it is the one already in place.
                _finished.Add(finished);
                continue;
            }

            var network = finished.Architecture.CreateNetwork(train.Channels, train.ClassCount);
            try
            {
                Validate(finished.Weights, network, generations.Count);
                GenerationState.LoadWeights(network, finished.Weights);
            }
            catch
            {
                network.Dispose();
                throw;
            }
            network.to(device).eval();
            generations.Add(new TrainedGeneration(generations.Count, finished.Architecture, network, finished.Epochs));
            _finished.Add(finished);
        }
        if (checkpoint.Current is { } current)
        {
            // Checked now, against a network of its architecture, so that a damaged checkpoint is reported as one
            // before training starts rather than deep inside TorchSharp's loader.
            using var probe = current.Architecture.CreateNetwork(train.Channels, train.ClassCount);
            Validate(current.Weights, probe, current.Generation);
        }
        return checkpoint.Current;
    }

    private string Path => System.IO.Path.Combine(_directory, TrainingCheckpoint.FileName);

    private void Validate(byte[] weights, nn.Module<Tensor, Tensor> network, int generation)
    {
        try
        {
            Serialization.StateDictValidator.Validate(weights, network, generation, "the checkpoint");
        }
        catch (InvalidDataException e)
        {
            throw TrainingCheckpoint.Damaged(Path, e.Message);
        }
    }

    /// <summary>
    /// The generations the checkpoint holds must be those the options train, in order (the fingerprint covers them
    /// too; this names what differs).
    /// </summary>
    private void CheckArchitectures(TrainingCheckpoint checkpoint)
    {
        var finished = checkpoint.FinishedGenerations;
        if (finished.Count > _options.LastGeneration + 1)
            throw TrainingCheckpoint.Damaged(Path, $"it holds {finished.Count} finished generations; the options train {_options.LastGeneration + 1}");
        for (int g = 0; g < finished.Count; g++)
        {
            if (finished[g].Architecture != _options.ArchitectureOf(g))
            {
                throw TrainingCheckpoint.Damaged(Path,
                    $"its generation {g} is a {finished[g].Architecture}; the options train a {_options.ArchitectureOf(g)}");
            }
        }
        if (checkpoint.Current is { } current)
        {
            if (current.Generation != finished.Count || current.Generation > _options.LastGeneration)
            {
                throw TrainingCheckpoint.Damaged(Path,
                    $"its generation in progress is {current.Generation}, after {finished.Count} finished generations of the {_options.LastGeneration + 1} the options train");
            }

            if (current.Architecture != _options.ArchitectureOf(current.Generation))
            {
                throw TrainingCheckpoint.Damaged(Path,
                    $"its generation {current.Generation} in progress is a {current.Architecture}; the options train a {_options.ArchitectureOf(current.Generation)}");
            }

            if (current.Epochs.Count >= _epochsPerGeneration)
            {
                throw TrainingCheckpoint.Damaged(Path,
                    $"its generation in progress has {current.Epochs.Count} epochs; the options train {_epochsPerGeneration} per generation");
            }
        }
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
