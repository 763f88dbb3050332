using Microsoft.ML.BornAgain.Training.Distributed;

namespace Microsoft.ML.BornAgain;

/// <summary>
/// This process's place in a data-parallel training (<see cref="BornAgainTrainingOptions.DataParallel"/>): every rank
/// ends with the same model, and a program saves it, writes reports and prints results on rank 0 alone.
/// </summary>
/// <example>
/// <code>
/// var model = pipeline.Fit(train);          // on every rank
/// if (DataParallelTraining.Rank == 0)
///     ml.Model.Save(model, train.Schema, "model.zip");
/// </code>
/// </example>
public static class DataParallelTraining
{
    /// <summary>This process's rank, 0 to <see cref="RankCount"/> - 1.</summary>
    /// <value>MPI's rank once a training joined the ranks; before that, the rank the launcher gave the process
    /// (<c>PMI_RANK</c>); 0 for a process started alone.</value>
    public static int Rank => DataParallelGroup.Current?.Rank ?? DataParallelGroup.LaunchedRank();

    /// <summary>The number of ranks.</summary>
    /// <value>MPI's rank count once a training joined the ranks; before that, the launcher's (<c>PMI_SIZE</c>); 1 for a
    /// process started alone.</value>
    public static int RankCount => DataParallelGroup.Current?.Size ?? DataParallelGroup.LaunchedSize();
}
