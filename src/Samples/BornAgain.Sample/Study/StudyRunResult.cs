namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>What one finished run measured; stored as JSON in the report's <c>runs/</c> folder.</summary>
/// <param name="Dataset">The data set.</param>
/// <param name="Method">The run's <see cref="StudyMethod.Id"/>.</param>
/// <param name="Seed">The run's seed (generation g trained with Seed + g).</param>
/// <param name="Fingerprint">The settings it was trained with (<see cref="StudySettings.Fingerprint"/>).</param>
/// <param name="TestErrors">Test error in [0, 1] per table row.</param>
/// <param name="TrainingSeconds">Wall time of <c>pipeline.Fit</c>.</param>
/// <param name="FinishedUtc">When it finished.</param>
/// <param name="TestAccuracyByEpoch">The teacher run's test accuracy after every epoch (its learning curve, for the
/// convergence check); null for the other runs and when the study does not record curves.</param>
internal sealed record StudyRunResult(
    StudyDataset Dataset,
    string Method,
    int Seed,
    string Fingerprint,
    IReadOnlyDictionary<string, double> TestErrors,
    double TrainingSeconds,
    DateTime FinishedUtc,
    IReadOnlyList<double>? TestAccuracyByEpoch = null);
