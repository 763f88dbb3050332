using Microsoft.ML.BornAgain.Training.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// The Born-Again training engine without ML.NET: a teacher learns from the labels, then each generation learns from
/// the one before (Furlanello et al., ICML 2018, <see href="https://arxiv.org/abs/1805.04770"/>).
/// </summary>
internal static class BornAgainTraining
{
    /// <summary>Trains the teacher and <see cref="BornAgainTrainingOptions.Generations"/> students.</summary>
    /// <param name="train">Training images and labels (raw pixel values; normalization is computed from them).</param>
    /// <param name="validation">Optional validation data, evaluated after every epoch; same image shape and classes.</param>
    /// <param name="options">Training settings; checked with <see cref="BornAgainTrainingOptions.Validate"/>.</param>
    /// <returns>The trained generations; dispose it to free the networks.</returns>
    public static BornAgainModel Train(ImageTensorDataset train, ImageTensorDataset? validation, BornAgainTrainingOptions options) =>
        Train(train, validation, options, continued: null);

    /// <summary>
    /// Trains <paramref name="options"/>' new generations after <paramref name="continued"/>'s (or a fresh chain when it
    /// is null). The continued model's networks become the result's first generations (ownership passes to this method:
    /// on failure they are disposed with the rest), its normalization is reused, and generation g trains with seed + g
    /// exactly as in a fresh run, so continuing a chain gives the networks a fresh run of the whole chain gives.
    /// </summary>
    /// <param name="train">Training images and labels (this rank's shard in a data-parallel training).</param>
    /// <param name="validation">Optional validation images.</param>
    /// <param name="options">Training settings; <c>ContinuedGenerations</c> must equal the continued model's count.</param>
    /// <param name="continued">The trained chain to continue, with the training data's shape and classes; or null.</param>
    /// <param name="group">The ranks of a data-parallel training; null for a single process.</param>
    internal static BornAgainModel Train(ImageTensorDataset train, ImageTensorDataset? validation, BornAgainTrainingOptions options,
        BornAgainModel? continued, DataParallelGroup? group = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        if (group is null)
            return TrainChecked(train, validation, options, continued, null);

        try
        {
            options.Validate();
            group.Agree(() =>
            {
                if (train.Count < 2)
                {
                    throw new ArgumentException(
                        $"Data-parallel rank {group.Rank} of {group.Size} holds {train.Count} training image(s) (every {group.Size}th row); " +
                        $"training with {group.Size} ranks needs at least {2 * group.Size} images, 2 per rank.", nameof(train));
                }

                CheckData(train, validation);
                _ = ResolveDevice(options.Device);
            });
            DataParallelStart.CheckSameSettings(group, options, options.Seed ?? 0, train, validation);
        }
        catch
        {
            continued?.Dispose();
            throw;
        }

        try
        {
            return TrainChecked(train, validation, options, continued, group);
        }
        catch (Exception e) when (!group.FailedTogether(e))
        {
            // Only this rank failed: the others would wait for it in their next allreduce.
            group.AbortAfter(e);
            throw;
        }
    }

    private static BornAgainModel TrainChecked(ImageTensorDataset train, ImageTensorDataset? validation, BornAgainTrainingOptions options,
        BornAgainModel? continued, DataParallelGroup? group)
    {
        var generations = new List<TrainedGeneration>();
        if (continued is not null)
            generations.AddRange(continued.Generations); // owned from here on: disposed below on failure
        ChannelNormalization? normalization = continued?.Normalization;
        int previousThreads = get_num_threads();
        bool threadsSet = false;
        try
        {
            options.Validate();
            if (group is null)
            {
                // A data-parallel training checked it on every rank together.
                using (TrainingActivities.Start(TrainingActivities.PrepareData))
                    CheckData(train, validation);
            }
            CheckContinued(train, options, continued);
            var device = ResolveDevice(options.Device);
            if (options.NumberOfThreads is { } threads)
            {
                set_num_threads(threads);
                threadsSet = true;
            }
            foreach (var generation in generations)
                generation.Network.to(device).eval();

            using (TrainingActivities.Start(TrainingActivities.PrepareData))
                normalization ??= group is null ? ChannelNormalization.FromImages(train.Images) : DataParallelStart.Normalization(group, train.Images);
            var trainer = new GenerationTrainer(options, train, validation, normalization, device, group);
            long seed = options.Seed ?? 0;
            var checkpoints = options.CheckpointDirectory is { } directory
                ? new CheckpointWriter(directory, options, train, seed, group is null ? null : DataParallelStart.CheckpointFingerprint(group, options, train, seed))
                : null;
            TrainingCheckpoint.InProgress? resume = null;
            if (group is null)
                resume = checkpoints?.ResumeInto(generations, train, device);
            else
                group.Agree(() => resume = checkpoints?.ResumeInto(generations, train, device));
            // Every rank resumes (from a folder they share); rank 0 alone writes.
            group?.CheckSame("where to resume from (every rank must see the same checkpoint folder)",
                new long[] { generations.Count, resume?.Generation ?? -1, resume?.Epochs.Count ?? -1 },
                new[] { "finished generations", "generation in progress", "its finished epochs" });
            var writeCheckpoint = group is { Rank: not 0 } ? null : checkpoints;
            for (int g = generations.Count; g <= options.LastGeneration; g++)
            {
                var teacher = g == 0 ? null : generations[g - 1].Network;
                var current = resume?.Generation == g ? resume : null;
                generations.Add(trainer.Train(g, teacher, seed + g, current, writeCheckpoint is null ? null : writeCheckpoint.EpochFinished));
            }
            return new BornAgainModel(generations, normalization, train.Channels, train.Height, train.Width,
                train.ClassCount, ResolveDevice(options.Device));
        }
        catch (OperationCanceledException e) when (e is not GenerationsCanceledException && generations.Count > 0)
        {
            // Finished generations are the caller's: hand them over instead of throwing them away.
            var finished = new BornAgainModel(generations, normalization!, train.Channels,
                train.Height, train.Width, train.ClassCount, ResolveDevice(options.Device));
            throw new GenerationsCanceledException(
                $"Training was cancelled during generation {generations.Count}; generations 0 to {generations.Count - 1} " +
                "finished and are in the exception's Model." +
                (options.CheckpointDirectory is null ? "" : " Training again with the same checkpoint directory resumes."),
                finished, e.CancellationToken, e);
        }
        catch
        {
            foreach (var generation in generations)
                generation.Network.Dispose();
            throw;
        }
        finally
        {
            if (threadsSet)
                set_num_threads(previousThreads);
        }
    }

    /// <summary>The continued chain must fit the data and the options' count of it (the ML.NET trainer checks names and labels first).</summary>
    private static void CheckContinued(ImageTensorDataset train, BornAgainTrainingOptions options, BornAgainModel? continued)
    {
        int count = continued?.Generations.Count ?? 0;
        if (options.ContinuedGenerations != count)
        {
            throw new InvalidOperationException(
                $"The options continue a chain of {options.ContinuedGenerations} generations; the model given has {count}.");
        }

        if (continued is null)
            return;
        if (continued.InputChannels != train.Channels || continued.InputHeight != train.Height || continued.InputWidth != train.Width)
        {
            throw new ArgumentException(
                $"The continued model takes {continued.InputChannels}x{continued.InputHeight}x{continued.InputWidth} images; the " +
                $"training images are {train.Channels}x{train.Height}x{train.Width}.", nameof(train));
        }

        if (continued.ClassCount != train.ClassCount)
        {
            throw new ArgumentException(
                $"The continued model has {continued.ClassCount} classes; the training data has {train.ClassCount}.", nameof(train));
        }
    }

    /// <summary>Parses a TorchSharp device name ("cpu", "cuda", "cuda:1"); null means the CPU.</summary>
    internal static Device ResolveDevice(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return CPU;
        Device device;
        try
        {
            device = torch.device(name);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ArgumentException($"Option 'Device' must name a TorchSharp device such as \"cpu\" or \"cuda:0\"; got \"{name}\".", "Device", e);
        }
        if (device.type == DeviceType.CUDA && !cuda.is_available())
        {
            throw new InvalidOperationException(
                $"Option 'Device' asks for \"{name}\", but CUDA is not available: reference a CUDA backend package " +
                "(build with -p:TorchSharpBackend=cuda-linux or cuda-windows) on a machine with an NVIDIA GPU, or use \"cpu\".");
        }

        return device;
    }

    private static void CheckData(ImageTensorDataset train, ImageTensorDataset? validation)
    {
        if (train.Count < 2)
            throw new ArgumentException($"Training needs at least 2 images; got {train.Count}.", nameof(train));
        if (!AllFinite(train.Images))
            throw new ArgumentException("The training images contain NaN or infinite pixel values.", nameof(train));
        if (train.Height < 8 || train.Width < 8)
            throw new ArgumentException($"Images must be at least 8x8 pixels; got {train.Height}x{train.Width}.", nameof(train));
        if (validation is null)
            return;
        if (validation.Channels != train.Channels || validation.Height != train.Height || validation.Width != train.Width)
        {
            throw new ArgumentException(
                $"Validation images must have the training images' shape {train.Channels}x{train.Height}x{train.Width}; " +
                $"got {validation.Channels}x{validation.Height}x{validation.Width}.", nameof(validation));
        }

        if (validation.ClassCount != train.ClassCount)
        {
            throw new ArgumentException(
                $"Validation data must have the training data's {train.ClassCount} classes; got {validation.ClassCount}.", nameof(validation));
        }

        if (validation.Count == 0)
            throw new ArgumentException("Validation data is empty.", nameof(validation));
        if (!AllFinite(validation.Images))
            throw new ArgumentException("The validation images contain NaN or infinite pixel values.", nameof(validation));
    }

    private static bool AllFinite(Tensor images)
    {
        using var scope = NewDisposeScope();
        return images.isfinite().all().item<bool>();
    }
}
