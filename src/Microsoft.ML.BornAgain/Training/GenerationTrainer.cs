using System.Diagnostics;
using Microsoft.ML.BornAgain.Losses;
using Microsoft.ML.BornAgain.Training.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Trains one generation: from the labels (the teacher) or from the previous generation's outputs (a student), with
/// SGD, the configured schedule and augmentation. One seed per generation, set once.
/// </summary>
internal sealed class GenerationTrainer
{
    private readonly BornAgainTrainingOptions _options;
    private readonly ImageTensorDataset _train;
    private readonly ImageTensorDataset? _validation;
    private readonly ChannelNormalization _normalization;
    private readonly Device _device;
    private readonly BatchAugmentation _augmentation;
    private readonly DataParallelGroup? _group;
    private readonly DataParallelBatches? _batches;

    // group: the ranks of a data-parallel training (train is then this rank's shard), or null.
    public GenerationTrainer(BornAgainTrainingOptions options, ImageTensorDataset train, ImageTensorDataset? validation,
        ChannelNormalization normalization, Device device, DataParallelGroup? group = null)
    {
        _group = group;
        _batches = group is null ? null : new DataParallelBatches(group.Rank, group.Gather(train.Count), options.BatchSize);
        _options = options;
        _train = train;
        _validation = validation;
        _normalization = normalization;
        _device = device;
        _augmentation = new BatchAugmentation(options.RandomCropPadding, options.HorizontalFlip);
    }

    /// <summary>Trains generation <paramref name="generation"/>; <paramref name="teacher"/> is null for generation 0.</summary>
    /// <param name="generation">0 for the teacher, k for BAN-k.</param>
    /// <param name="teacher">The previous generation, in evaluation mode; null for generation 0.</param>
    /// <param name="seed">The generation's seed.</param>
    /// <param name="resume">A checkpoint of this generation at an epoch boundary to continue from, or null.</param>
    /// <param name="epochFinished">Receives the generation's full state after every epoch (for checkpoints), or null.</param>
    public TrainedGeneration Train(int generation, nn.Module<Tensor, Tensor>? teacher, long seed,
        TrainingCheckpoint.InProgress? resume = null, Action<TrainingCheckpoint.InProgress>? epochFinished = null)
    {
        var architecture = _options.ArchitectureOf(generation);
        // The global generator draws the initial weights (and dropout masks); the data generator draws batch order,
        // augmentation and DKPP permutations. Both are seeded once per generation.
        manual_seed(seed);
        using var dataGenerator = new Generator((ulong)seed);

        nn.Module<Tensor, Tensor> network;
        using (TrainingActivities.Start(TrainingActivities.CreateNetwork))
            network = architecture.CreateNetwork(_train.Channels, _train.ClassCount).to(_device);
        try
        {
            if (_options.FreezeTeacherStemAndClassifier && teacher is not null)
            {
                // After the seed drew every initial weight, so the rest of the student is the network it would be anyway.
                Networks.StemAndClassifier.CopyAndFreeze(teacher, _options.ArchitectureOf(generation - 1), network, architecture);
            }

            teacher?.eval();
            using var teacherCopy = teacher is not null && _options.TeacherInBFloat16 && BFloat16Teacher.IsNative(_device)
                ? BFloat16Teacher.From(teacher, _options.ArchitectureOf(generation - 1), _train.Channels, _train.ClassCount, _device)
                : null;
            var epochs = TrainEpochs(generation, network, teacherCopy ?? teacher, seed, dataGenerator, resume, epochFinished);
            network.eval();
            return new TrainedGeneration(generation, architecture, network, epochs);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private List<EpochMetrics> TrainEpochs(int generation, nn.Module<Tensor, Tensor> network,
        nn.Module<Tensor, Tensor>? teacher, long seed, Generator dataGenerator, TrainingCheckpoint.InProgress? resume,
        Action<TrainingCheckpoint.InProgress>? epochFinished)
    {
        var o = _options;
        using var optimizer = new MomentumSgd(network.parameters(), o.LearningRate, o.Momentum, o.WeightDecay, o.Nesterov);
        using var averager = _group is null ? null : new GradientAverager(_group, network.parameters());
        var metrics = new List<EpochMetrics>(o.EpochsPerGeneration);
        if (resume is not null)
        {
            GenerationState.Restore(resume, network, optimizer, dataGenerator);
            metrics.AddRange(resume.Epochs);
        }
        var labelLoss = new LabelLoss(o.TeacherLabelSmoothing);
        var studentLoss = teacher is null ? null : StudentLoss.Create(o.Loss, o.LabelWeight, o.Temperature, dataGenerator);

        int batchSize = Math.Min(o.BatchSize, _train.Count);
        // Batch normalization cannot train on a batch of one image: a last batch of one is dropped.
        int batchesPerEpoch = _batches?.BatchesPerEpoch ?? _train.Count / batchSize + (_train.Count % batchSize >= 2 ? 1 : 0);
        // Without augmentation the teacher's outputs are the same every epoch: computed once, indexed per batch.
        using var cachedTeacherLogits = teacher is not null && _augmentation.IsIdentity
            ? CachedTeacherLogits(teacher, batchSize)
            : null;

        for (int epoch = metrics.Count; epoch < o.EpochsPerGeneration; epoch++)
        {
            var stopwatch = Stopwatch.StartNew();
            network.train();
            double lossSum = 0;
            long correct = 0, seen = 0;
            double epochLearningRate = LearningRateScheduler.LearningRateAt(o, epoch, 0, batchesPerEpoch);
            // Ranks draw their shard's order, crops and flips from a generator of their own, seeded per epoch (so a
            // resumed run continues without any rank's generator state in the checkpoint).
            if (_batches is not null)
                dataGenerator.manual_seed(unchecked((long)_batches.EpochSeed(seed, epoch)));
            using var order = randperm(_train.Count, generator: dataGenerator); // reshuffled every epoch

            for (int batch = 0; batch < batchesPerEpoch; batch++)
            {
                if (averager is null)
                    o.CancellationToken.ThrowIfCancellationRequested(); // data-parallel ranks cancel together, in the step
                double learningRate = LearningRateScheduler.LearningRateAt(o, epoch, batch, batchesPerEpoch);
                optimizer.LearningRate = learningRate;

                int start = batch * batchSize;
                int length = Math.Min(batchSize, _train.Count - start);
                var (loss, batchCorrect) = averager is null
                    ? TrainStep(network, teacher, optimizer, labelLoss, studentLoss, order, start, length, dataGenerator, cachedTeacherLogits)
                    : TrainStepDataParallel(network, teacher, optimizer, averager, labelLoss, studentLoss, order, batch,
                        dataGenerator, cachedTeacherLogits, out length);
                if (!double.IsFinite(loss))
                {
                    // Data-parallel ranks all see the global batch's loss, so they all stop here together.
                    var diverged = new InvalidOperationException(
                        $"Training diverged: the loss became {loss} in generation {generation}, epoch {epoch + 1}, " +
                        $"step {batch + 1}. Lower 'LearningRate' (now {learningRate}) or check the input for NaN or " +
                        "infinite values.");
                    throw _group is null ? diverged : _group.Together(diverged);
                }

                FreedMemoryRelease.AfterStep(batch + 1);
                lossSum += loss * length;
                correct += batchCorrect;
                seen += length;
                o.BatchCompleted?.Invoke(new BatchProgress(generation, epoch + 1, batch + 1, batchesPerEpoch, loss));
            }

            if (_group is not null)
            {
                ReplicaAgreement.AverageBuffers(_group, network);
                ReplicaAgreement.CheckSameModel(_group, network, generation, epoch + 1);
            }

            double? validationLoss = null, validationAccuracy = null;
            if (_validation is not null)
            {
                using var evaluating = TrainingActivities.Start(TrainingActivities.Evaluate);
                var (vLoss, vAccuracy) = NetworkEvaluation.Evaluate(network, _validation, _normalization, _device, batchSize);
                validationLoss = vLoss;
                validationAccuracy = vAccuracy;
            }

            FreedMemoryRelease.AfterEpoch();
            var epochMetrics = new EpochMetrics(generation, epoch + 1, lossSum / seen, (double)correct / seen,
                validationLoss, validationAccuracy, epochLearningRate, stopwatch.Elapsed);
            metrics.Add(epochMetrics);
            if (epochFinished is not null)
            {
                using var checkpointing = TrainingActivities.Start(TrainingActivities.Checkpoint);
                epochFinished(GenerationState.Capture(generation, _options.ArchitectureOf(generation), metrics, network, optimizer, dataGenerator));
            }
            o.EpochCompleted?.Invoke(epochMetrics);
        }
        return metrics;
    }

    /// <summary>
    /// One SGD step on the images at <paramref name="order"/>[start, start + length); returns the loss and the
    /// correct count.
    /// </summary>
    private (double Loss, long Correct) TrainStep(nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor>? teacher,
        MomentumSgd optimizer, LabelLoss labelLoss, StudentLoss? studentLoss, Tensor order, int start, int length,
        Generator dataGenerator, Tensor? cachedTeacherLogits)
    {
        network.zero_grad();
        using var indices = order.narrow(0, start, length); // [B]
        var (loss, correct) = ForwardBackward(network, teacher, labelLoss, studentLoss, indices, dataGenerator, cachedTeacherLogits);
        optimizer.Step();
        return (loss, correct);
    }

    /// <summary>
    /// The forward and backward pass of the images at <paramref name="indices"/> (augmented, normalized), adding their
    /// gradients to the network's; returns their loss and correct count. Every tensor it makes is freed by its dispose
    /// scope.
    /// </summary>
    private (double Loss, long Correct) ForwardBackward(nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor>? teacher,
        LabelLoss labelLoss, StudentLoss? studentLoss, Tensor indices, Generator dataGenerator, Tensor? cachedTeacherLogits)
    {
        using var scope = NewDisposeScope();
        Tensor images;
        using (TrainingActivities.Start(TrainingActivities.Augment))
            images = _augmentation.Apply(_train.ChannelsLastPixels, indices, dataGenerator); // [B, C, H, W], raw pixels
        var input = _normalization.ToNetworkInput(images, _device);
        var labels = _train.Labels.index_select(0, indices).to(_device); // [B]

        // The teacher runs before the student, so that its activations are freed before the student's are made.
        var teacherLogits = teacher is null ? null : TeacherLogits(teacher, input, indices, cachedTeacherLogits); // [B, classes]
        var logits = network.call(input); // [B, classes]
        var loss = teacherLogits is null
            ? labelLoss.Compute(logits, labels)
            : studentLoss!.Compute(logits, labels, teacherLogits);
        loss.backward();

        // Reading the values synchronizes with the device: once per step, for the metrics and divergence check.
        return (loss.item<float>(), logits.argmax(1).eq(labels).sum().item<long>());
    }

    /// <summary>
    /// One data-parallel SGD step: this rank's share of global batch <paramref name="step"/> forward and backward, the
    /// gradients averaged over the ranks, then the same update on every rank. Returns the global batch's loss and correct
    /// count; <paramref name="globalLength"/> receives its image count.
    /// </summary>
    private (double Loss, long Correct) TrainStepDataParallel(nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor>? teacher,
        MomentumSgd optimizer, GradientAverager averager, LabelLoss labelLoss, StudentLoss? studentLoss, Tensor order, int step,
        Generator dataGenerator, Tensor? cachedTeacherLogits, out int globalLength)
    {
        var (start, length) = _batches!.LocalRows(step);
        globalLength = _batches.GlobalLength(step);
        double loss = 0;
        long correct = 0;
        network.zero_grad();
        if (length > 0)
        {
            using var indices = order.narrow(0, start, length); // [b]
            (loss, correct) = ForwardBackward(network, teacher, labelLoss, studentLoss, indices, dataGenerator, cachedTeacherLogits);
        }

        var averaged = averager.Average(globalLength == 0 ? 0 : (double)length / globalLength, loss, correct, _options.CancellationToken.IsCancellationRequested);
        if (averaged.Canceled)
            throw _group!.Together(new OperationCanceledException("Data-parallel training was cancelled on one of the ranks.", _options.CancellationToken));
        optimizer.Step();
        return (averaged.Loss, averaged.Correct);
    }

    private Tensor CachedTeacherLogits(nn.Module<Tensor, Tensor> teacher, int batchSize)
    {
        using var computing = TrainingActivities.Start(TrainingActivities.TeacherLogits);
        return TeacherLogitsCache.Compute(teacher, _train, _normalization, _device, batchSize);
    }

    /// <summary>The teacher's logits for the batch: from the cache when there is one, else a forward pass on the same (augmented) input.</summary>
    private Tensor TeacherLogits(nn.Module<Tensor, Tensor> teacher, Tensor input, Tensor indices, Tensor? cachedTeacherLogits)
    {
        if (cachedTeacherLogits is not null)
            return cachedTeacherLogits.index_select(0, indices.to(_device));
        using (TrainingActivities.Start(TrainingActivities.TeacherForward))
        using (no_grad())
            return teacher.call(input);
    }
}
