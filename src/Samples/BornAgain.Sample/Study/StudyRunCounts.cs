namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>What one study invocation trained.</summary>
/// <param name="Runs">Runs trained now, teachers included (the others came from the report folder).</param>
/// <param name="Teachers">Teachers trained now: at most one per data set and seed, whatever the number of methods.</param>
internal sealed record StudyRunCounts(int Runs, int Teachers);
