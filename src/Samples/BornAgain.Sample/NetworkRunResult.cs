
namespace Microsoft.ML.BornAgain.Sample;

/// <summary>What one network trained with one seed gave: test errors per table column, epochs, parameters, time.</summary>
/// <param name="Network">The architecture of every generation.</param>
/// <param name="Seed">The run's seed (generation g trains with Seed + g).</param>
/// <param name="ParameterCount">Trainable parameters of one network (an Ens*j costs j times as many).</param>
/// <param name="TestErrors">Test error (1 - micro accuracy) per column name, in [0, 1].</param>
/// <param name="Epochs">Every generation's per-epoch metrics, teacher first.</param>
/// <param name="TrainingTime">Wall time of <c>pipeline.Fit</c>: decoding the images and training every generation.</param>
internal sealed record NetworkRunResult(
    NetworkArchitecture Network,
    int Seed,
    long ParameterCount,
    IReadOnlyDictionary<string, double> TestErrors,
    IReadOnlyList<EpochMetrics> Epochs,
    TimeSpan TrainingTime);
