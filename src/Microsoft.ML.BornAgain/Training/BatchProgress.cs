namespace Microsoft.ML.BornAgain;

/// <summary>Progress after one training batch.</summary>
/// <param name="Generation">0 for the teacher, k for BAN-k.</param>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Batch">1-based batch number within the epoch.</param>
/// <param name="BatchesPerEpoch">Batches in each epoch.</param>
/// <param name="Loss">This batch's loss.</param>
public sealed record BatchProgress(int Generation, int Epoch, int Batch, int BatchesPerEpoch, double Loss);
