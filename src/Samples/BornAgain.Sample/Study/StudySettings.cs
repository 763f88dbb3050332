
namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>Everything one study invocation does, after the preset and the explicit options are combined.</summary>
/// <param name="Datasets">Data sets, one table each.</param>
/// <param name="Sources">Where the data sets are read from.</param>
/// <param name="Network">The architecture of every network of the study (teacher, students, controls).</param>
/// <param name="Generations">k: the students BAN-1..BAN-k after the teacher.</param>
/// <param name="Epochs">E: epochs per generation; the compute-matched control trains (k + 1) x E.</param>
/// <param name="TrainingImages">At most this many training images per data set (class-balanced); null = all.</param>
/// <param name="BatchSize">Images per training batch.</param>
/// <param name="LearningRate">Initial SGD learning rate.</param>
/// <param name="Schedule">Learning rate schedule of every generation and of the control.</param>
/// <param name="Seed">Seed of the first seed run; seed run i uses <c>Seed + 1000 i</c>.</param>
/// <param name="Seeds">N: how many seeds every method is trained with.</param>
/// <param name="Threads">TorchSharp threads, fixed so that a seed gives the same result on any core count.</param>
/// <param name="Device">TorchSharp device ("cpu", "cuda").</param>
/// <param name="OutputPath">The report folder; finished runs are kept in its <c>runs/</c> folder.</param>
/// <param name="Preset">The preset the defaults came from, for the report.</param>
/// <param name="Methods">The method ids to run (<see cref="StudyMethod.Select"/>); null or empty: all. The seed's teacher
/// is always trained (once) and stored, since every comparison is against it.</param>
/// <param name="TeacherCurve">Whether the teacher is scored on the test split after every epoch, to show that it
/// converged (the curve is reported, never used to stop or select).</param>
/// <param name="Shard">Which runs this invocation trains: (i, n) trains the runs of seed group k (a data set and a seed: its teacher and every run that continues it, in the study's order) when k mod n = i, so
/// n independent jobs sharing the report folder train every run once; null trains them all.</param>
internal sealed record StudySettings(
    IReadOnlyList<StudyDataset> Datasets,
    StudyDataSources Sources,
    NetworkArchitecture Network,
    int Generations,
    int Epochs,
    int? TrainingImages,
    int BatchSize,
    double LearningRate,
    LearningRateSchedule Schedule,
    int Seed,
    int Seeds,
    int Threads,
    string Device,
    string OutputPath,
    StudyPreset Preset,
    IReadOnlyList<string>? Methods = null,
    bool TeacherCurve = false,
    (int Index, int Count)? Shard = null)
{
    /// <summary>Label smoothing of the "Teacher + label smoothing" row (the value the KD literature compares with).</summary>
    public const double LabelSmoothing = 0.1;

    /// <summary>Epochs per generation of the Converged preset (chosen by the calibration in docs/study/converged-plan.md).</summary>
    public const int ConvergedEpochs = 15;

    /// <summary>Temperature of the Hinton distillation row.</summary>
    public const double DistillationTemperature = 4;

    /// <summary>True when this invocation trains the runs of seed group <paramref name="group"/> (0-based, in the study's order).</summary>
    public bool TrainsSeedGroup(int group) => Shard is not { } shard || group % shard.Count == shard.Index;

    /// <summary>The seed of seed run <paramref name="run"/> (0-based); far apart because generation g trains with seed + g.</summary>
    public int SeedOfRun(int run) => Seed + run * SampleSettings.SeedStride;

    /// <summary>
    /// What a stored run result must have been trained with to be reused: everything that changes a run's numbers.
    /// The data set and the seed are part of the run's file name.
    /// </summary>
    public string Fingerprint =>
        $"{Network}|k={Generations}|E={Epochs}|train={TrainingImages?.ToString() ?? "all"}|batch={BatchSize}|" +
        $"lr={LearningRate:R}|{Schedule}|threads={Threads}|device={Device}";
}

/// <summary>The two documented starting points; any explicit option overrides the preset's value.</summary>
internal enum StudyPreset
{
    /// <summary>
    /// About an hour on a 2-core CPU: PreActResNet-8, teacher + 2 generations x 3 epochs, 5,000 class-balanced training
    /// images of Fashion-MNIST and of the shipped CIFAR-10 subset, 3 seeds.
    /// </summary>
    Cpu,

    /// <summary>
    /// The paper's CIFAR-100 recipe, for a GPU: DenseNet-BC-112-33 as this library builds it (6,987,916 parameters for
    /// CIFAR-100; the paper's Table 1 says 6.3M, and no DenseNet rule reproduces its four counts: docs/design.md), teacher + 3 generations x 200 epochs, SGD Nesterov
    /// lr 0.1 x0.2 at epochs 60/120/160, batch 128, weight decay 5e-4, flip + 4-pixel crop, all 50,000 images.
    /// </summary>
    Paper,

    /// <summary>
    /// Converged teachers on a 2-core CPU: the pre-registered comparison of docs/study/converged-plan.md (PreActResNet-8,
    /// teacher + 2 generations x 15 epochs, cosine schedule, 5,000 training images of each data set, 5 seeds, the
    /// chain and the compute-matched control, the teacher's test curve recorded every epoch).
    /// </summary>
    Converged,
}
