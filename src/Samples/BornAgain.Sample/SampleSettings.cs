
namespace Microsoft.ML.BornAgain.Sample;

/// <summary>Everything one invocation of the sample does, as parsed from the command line.</summary>
/// <param name="DataPath">The dataset folder (layout depends on <paramref name="Kind"/>).</param>
/// <param name="Kind">How to read <paramref name="DataPath"/>.</param>
/// <param name="Networks">One table row per network; every generation of a row has the same architecture.</param>
/// <param name="Generations">Students after the teacher (BAN-1..BAN-k).</param>
/// <param name="Epochs">Epochs per generation.</param>
/// <param name="Loss">The students' loss.</param>
/// <param name="BatchSize">Images per training batch.</param>
/// <param name="LearningRate">Initial SGD learning rate.</param>
/// <param name="Schedule">Learning rate schedule of every generation.</param>
/// <param name="Seed">Seed of the first run; run i uses <c>Seed + i * SeedStride</c>.</param>
/// <param name="Seeds">How many times the whole experiment runs, each with its own seed.</param>
/// <param name="Threads">TorchSharp intra-op threads; fixed so the same seed gives the same table.</param>
/// <param name="OutputPath">The report folder.</param>
/// <param name="PredictionCount">Test images scored by the reloaded model at the end.</param>
internal sealed record SampleSettings(
    string DataPath,
    DatasetKind Kind,
    IReadOnlyList<NetworkArchitecture> Networks,
    int Generations,
    int Epochs,
    BornAgainLoss Loss,
    int BatchSize,
    double LearningRate,
    LearningRateSchedule Schedule,
    int Seed,
    int Seeds,
    int Threads,
    string OutputPath,
    int PredictionCount)
{
    /// <summary>
    /// Distance between the seeds of consecutive runs. The library seeds generation g with seed + g, so runs whose
    /// seeds differ by 1 would give one run's teacher the initial weights and batch order of the other's BAN-1.
    /// </summary>
    public const int SeedStride = 1000;

    /// <summary>The seed of run <paramref name="run"/> (0-based).</summary>
    public int SeedOfRun(int run) => Seed + run * SeedStride;
}
