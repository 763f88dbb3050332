namespace Microsoft.ML.BornAgain;

/// <summary>What one epoch of one generation achieved.</summary>
/// <param name="Generation">0 for the teacher, k for BAN-k.</param>
/// <param name="Epoch">1-based epoch number within the generation.</param>
/// <param name="TrainingLoss">Mean training loss over the epoch's batches (the generation's own loss).</param>
/// <param name="TrainingAccuracy">Fraction of training images (augmented, as trained) whose argmax matched the label.</param>
/// <param name="ValidationLoss">Cross-entropy with the labels on the validation data, or null without validation data.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation data, or null without validation data.</param>
/// <param name="LearningRate">Learning rate at the start of the epoch.</param>
/// <param name="Duration">Wall-clock time of the epoch, validation included.</param>
public sealed record EpochMetrics(
    int Generation,
    int Epoch,
    double TrainingLoss,
    double TrainingAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double LearningRate,
    TimeSpan Duration);
