using Microsoft.ML.BornAgain.Losses;
using Microsoft.ML.BornAgain.Networks;

namespace Microsoft.ML.BornAgain;

/// <summary>
/// Every setting of Born-Again training: the networks, the generations, the student loss, the optimizer and its
/// schedule, augmentation, seed and device. <see cref="BornAgainTrainer.Options"/> adds the ML.NET column names.
/// </summary>
/// <remarks>
/// Generation 0 (the teacher) learns from the labels; generation k learns from generation k-1's outputs with
/// <see cref="Loss"/>, with a fresh seed and the same schedule. All generations train for
/// <see cref="EpochsPerGeneration"/> epochs. Options are checked by <see cref="Validate"/> when the trainer is built.
/// </remarks>
public class BornAgainTrainingOptions
{
    /// <summary>Only <see cref="BornAgainTrainer.Options"/> (and the engine inside this library) create options.</summary>
    internal BornAgainTrainingOptions()
    {
    }

    /// <summary>Number of born-again students trained after the teacher.</summary>
    /// <value>Default 2 (teacher, BAN-1, BAN-2). 0 trains the teacher only. At most 100.</value>
    public int Generations { get; set; } = Defaults.Generations;

    /// <summary>Epochs each generation trains for.</summary>
    /// <value>Default 10. At least 1.</value>
    public int EpochsPerGeneration { get; set; } = Defaults.EpochsPerGeneration;

    /// <summary>The network of every generation, unless <see cref="GenerationArchitectures"/> says otherwise.</summary>
    /// <value>Default <c>PreActResNet-20</c> (0.27M parameters): trains in minutes on a 2-core CPU for a few
    /// thousand 32x32 images.</value>
    public NetworkArchitecture Architecture
    {
        get => _architecture ?? Defaults.Architecture;
        set
        {
            _architecture = value;
            ArchitectureWasSet = true;
        }
    }

    private NetworkArchitecture? _architecture;

    /// <summary>Whether <see cref="Architecture"/> was set, so that a continued chain can tell a choice from the default.</summary>
    internal bool ArchitectureWasSet { get; private set; }

    /// <summary>
    /// Optional network per generation (index 0 is the teacher), for example a DenseNet teacher and ResNet students.
    /// </summary>
    /// <value>Default <see langword="null"/>: every generation uses <see cref="Architecture"/>. When set, it needs
    /// exactly <see cref="Generations"/> + 1 entries.</value>
    public IReadOnlyList<NetworkArchitecture>? GenerationArchitectures { get; set; }

    /// <summary>The loss the students learn with.</summary>
    /// <value>Default <see cref="BornAgainLoss.Ban"/>: cross-entropy to the teacher's probabilities, the paper's.</value>
    public BornAgainLoss Loss { get; set; } = Defaults.Loss;

    /// <summary>
    /// Weight of the label cross-entropy in <see cref="BornAgainLoss.BanPlusLabels"/> and
    /// <see cref="BornAgainLoss.HintonDistillation"/> (Hinton's alpha); the teacher term gets 1 - weight.
    /// </summary>
    /// <value>Default 0.5. In [0, 1]. Ignored by the other losses.</value>
    public double LabelWeight { get; set; } = Defaults.LabelWeight;

    /// <summary>Softmax temperature of <see cref="BornAgainLoss.HintonDistillation"/>.</summary>
    /// <value>Default 4. Greater than 0. The paper's own losses use no temperature (T = 1).</value>
    public double Temperature { get; set; } = Defaults.Temperature;

    /// <summary>Label smoothing epsilon of the teacher's (generation 0's) cross-entropy.</summary>
    /// <value>Default 0 (none). In [0, 1).</value>
    public double TeacherLabelSmoothing { get; set; }

    /// <summary>
    /// Whether each student starts with its teacher's first convolution and classifier (weights and bias) and keeps
    /// them frozen while the rest of it trains: the paper's cross-architecture students (its Table 5), which share
    /// these two layers with their DenseNet teacher. The student's first convolution and classifier must have the
    /// teacher's shapes (same input channels, same stem width, same feature width before the classifier).
    /// </summary>
    /// <value>Default <see langword="false"/>: every student layer starts from the seed and trains. The paper found
    /// sharing these layers "systematically slightly worse" for same-architecture students.</value>
    public bool FreezeTeacherStemAndClassifier { get; set; }

    /// <summary>
    /// Whether each student's teacher runs its forward passes on a bfloat16 copy of itself, which is quicker on
    /// hardware that computes in bfloat16: a CPU with AVX512_BF16 or AMX (AMD Zen 4 and later, Intel Cooper Lake and
    /// Sapphire Rapids and later) or a GPU. The teacher that is saved and scored stays float32; only the outputs its
    /// students learn from are computed at bfloat16's precision. Where the hardware has no bfloat16 arithmetic the
    /// option is ignored (the training log says so), since emulated bfloat16 is slower than float32.
    /// </summary>
    /// <value>Default <see langword="false"/>: the teacher computes in float32, as the paper's did.</value>
    public bool TeacherInBFloat16 { get; set; }

    /// <summary>Images per training batch.</summary>
    /// <value>Default 64. At least 2 (batch normalization needs two images).</value>
    public int BatchSize { get; set; } = Defaults.BatchSize;

    /// <summary>Initial learning rate of SGD.</summary>
    /// <value>Default 0.1 (the paper's). Greater than 0, at most 10.</value>
    public double LearningRate { get; set; } = Defaults.LearningRate;

    /// <summary>SGD momentum (Nesterov when <see cref="Nesterov"/>).</summary>
    /// <value>Default 0.9. In [0, 1).</value>
    public double Momentum { get; set; } = Defaults.Momentum;

    /// <summary>Whether SGD uses Nesterov momentum.</summary>
    /// <value>Default <see langword="true"/> (the paper's).</value>
    public bool Nesterov { get; set; } = true;

    /// <summary>L2 weight decay of SGD.</summary>
    /// <value>Default 5e-4 (the paper's). In [0, 1).</value>
    public double WeightDecay { get; set; } = Defaults.WeightDecay;

    /// <summary>The learning rate schedule of each generation.</summary>
    /// <value>Default <see cref="LearningRateSchedule.Step"/> (x0.2 at 30%, 60% and 80% of the epochs).</value>
    public LearningRateSchedule Schedule { get; set; } = LearningRateSchedule.Step;

    /// <summary>Factor applied at each milestone of <see cref="LearningRateSchedule.Step"/>.</summary>
    /// <value>Default 0.2. In (0, 1].</value>
    public double StepDecayFactor { get; set; } = Defaults.StepDecayFactor;

    /// <summary>Pixels of reflection padding per side for the random-crop augmentation.</summary>
    /// <value>Default 4 (the CIFAR standard). 0 turns random cropping off. At most half the image size.</value>
    public int RandomCropPadding { get; set; } = Defaults.RandomCropPadding;

    /// <summary>Whether training images are flipped horizontally at random (p = 0.5).</summary>
    /// <value>Default <see langword="true"/>. Turn it off for data where left and right differ (digits, text).</value>
    public bool HorizontalFlip { get; set; } = true;

    /// <summary>Seed of every random choice: initial weights, batch order, augmentation, DKPP permutations.</summary>
    /// <value>Default <see langword="null"/>: the ML.NET trainer takes <c>MLContext</c>'s seed; the engine alone
    /// uses 0. Generation g uses seed + g. The same seed gives the same model on CPU for a fixed
    /// <see cref="NumberOfThreads"/>.</value>
    public int? Seed { get; set; }

    /// <summary>TorchSharp intra-op threads used while training.</summary>
    /// <value>Default <see langword="null"/>: TorchSharp's current setting (usually the core count). Set it to make
    /// training reproducible across machines with different core counts.</value>
    public int? NumberOfThreads { get; set; }

    /// <summary>The TorchSharp device to train on, such as <c>"cpu"</c> or <c>"cuda:0"</c>.</summary>
    /// <value>Default <see langword="null"/>: the ML.NET trainer follows <c>MLContext.GpuDeviceId</c> and
    /// <c>MLContext.FallbackToCpu</c>; the engine alone uses the CPU.</value>
    public string? Device { get; set; }

    /// <summary>
    /// A folder where training state is saved atomically after every epoch. Training again with the same options,
    /// data and folder resumes where it stopped (a crash, a kill, a cancellation) and ends with the same model as an
    /// uninterrupted run (CPU, same seed and thread count); when the run had finished, the finished model is returned
    /// without training.
    /// </summary>
    /// <value>Default <see langword="null"/>: no checkpoints. A checkpoint written for other options or data is
    /// refused with an error rather than resumed.</value>
    public string? CheckpointDirectory { get; set; }

    /// <summary>
    /// Data-parallel training over MPI: the training runs as several processes (ranks, started by <c>mpiexec</c> or
    /// <c>srun</c>), each reading every N-th row of the training data and training on its share of every batch; the
    /// gradients are averaged over the ranks after every step, so all ranks hold the same model. Rank 0 alone writes
    /// checkpoints; <see cref="DataParallelTraining.Rank"/> tells a program whether to save the model.
    /// </summary>
    /// <value>Default <see langword="null"/>: on when a launcher started this process as one of several ranks (it sets
    /// <c>PMI_SIZE</c>), else off and MPI is never loaded. <see langword="true"/> requires MPI (an MPI library with MPICH's ABI);
    /// <see langword="false"/> trains in this process alone even under <c>mpiexec</c>. <see cref="BatchSize"/> stays the
    /// global batch, split over the ranks. Batch-normalization statistics come from each rank's share of the batch and are
    /// averaged over the ranks after every epoch. See docs/distributed.md.</value>
    public bool? DataParallel { get; set; }

    /// <summary>Called after every epoch of every generation with its metrics (on the training thread).</summary>
    public Action<EpochMetrics>? EpochCompleted { get; set; }

    /// <summary>Called after every training batch (on the training thread): for progress bars.</summary>
    public Action<BatchProgress>? BatchCompleted { get; set; }

    /// <summary>
    /// Stops training within one batch, as <c>MLContext.CancelExecution()</c> does: <see cref="TrainingCanceledException"/>
    /// (holding the finished generations) is thrown, or <see cref="OperationCanceledException"/> before the teacher finished.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>A shallow copy, so a trainer can fill in defaults (seed, device, logging) without changing the user's object.</summary>
    internal BornAgainTrainingOptions CopyTrainingOptions() => (BornAgainTrainingOptions)MemberwiseClone();

    /// <summary>The architecture of generation <paramref name="generation"/> (0 is the teacher).</summary>
    internal NetworkArchitecture ArchitectureOf(int generation) =>
        GenerationArchitectures is { } perGeneration ? perGeneration[generation] : Architecture;

    /// <summary>
    /// Generations a trained chain brings to this run (0 for a fresh run): they are copied, not trained, and the
    /// first trained generation learns from the last of them.
    /// </summary>
    internal int ContinuedGenerations { get; set; }

    /// <summary>A hash of the continued chain's weights, normalization and shape (null for a fresh run), for checkpoints.</summary>
    internal string? ContinuedChainFingerprint { get; set; }

    /// <summary>
    /// The index of the last generation: <see cref="Generations"/> for a fresh run; for a continued chain of n
    /// generations, n - 1 + <see cref="Generations"/> (a chain of one, the teacher, continues exactly as a fresh run).
    /// </summary>
    /// <summary>Whether the options name a trained chain to continue (<see cref="BornAgainTrainer.Options"/> can).</summary>
    internal virtual bool ContinuesChain => false;

    internal int LastGeneration => Math.Max(ContinuedGenerations - 1, 0) + Generations;

    /// <summary>
    /// Checks every option and throws <see cref="ArgumentOutOfRangeException"/> or <see cref="ArgumentException"/>
    /// naming the option, the rule and the value found.
    /// </summary>
    internal virtual void Validate()
    {
        CheckRange(Generations, 0, Defaults.MaxGenerations, nameof(Generations));
        CheckRange(EpochsPerGeneration, 1, 100_000, nameof(EpochsPerGeneration));
        CheckRange(BatchSize, 2, 1 << 20, nameof(BatchSize));
        if (Architecture is null)
            throw new ArgumentNullException(nameof(Architecture), "Option 'Architecture' must be set.");
        if (GenerationArchitectures is { } perGeneration)
        {
            // A chain to continue that is still a file is counted at Fit, when it is read.
            bool chainNotRead = ContinuesChain && ContinuedGenerations == 0;
            if (perGeneration.Count != LastGeneration + 1 && !chainNotRead)
            {
                throw new ArgumentException(
                    ContinuedGenerations == 0
                        ? $"Option 'GenerationArchitectures' needs one entry per generation including the teacher " +
                          $"(Generations + 1 = {Generations + 1}); got {perGeneration.Count}."
                        : $"Option 'GenerationArchitectures' needs one entry per generation of the whole chain: the continued " +
                          $"model's {ContinuedGenerations} and {Generations} new ones ({LastGeneration + 1}); got {perGeneration.Count}.",
                    nameof(GenerationArchitectures));
            }

            if (perGeneration.Any(a => a is null))
                throw new ArgumentException("Option 'GenerationArchitectures' must not contain null entries.", nameof(GenerationArchitectures));
        }

        CheckRange(LabelWeight, 0, 1, nameof(LabelWeight), maxInclusive: true);
        CheckRange(TeacherLabelSmoothing, 0, 1, nameof(TeacherLabelSmoothing), maxInclusive: false);
        if (!(Temperature > 0) || Temperature > 1000)
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Option 'Temperature' must be in (0, 1000].");
        if (!(LearningRate > 0) || LearningRate > 10)
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Option 'LearningRate' must be in (0, 10].");
        CheckRange(Momentum, 0, 1, nameof(Momentum), maxInclusive: false);
        CheckRange(WeightDecay, 0, 1, nameof(WeightDecay), maxInclusive: false);
        if (!(StepDecayFactor > 0) || StepDecayFactor > 1)
            throw new ArgumentOutOfRangeException(nameof(StepDecayFactor), StepDecayFactor, "Option 'StepDecayFactor' must be in (0, 1].");
        CheckRange(RandomCropPadding, 0, 1024, nameof(RandomCropPadding));
        if (NumberOfThreads is { } threads)
            CheckRange(threads, 1, 1024, nameof(NumberOfThreads));
        if (!Enum.IsDefined(Loss))
            throw new ArgumentOutOfRangeException(nameof(Loss), Loss, "Option 'Loss' is not a known BornAgainLoss.");
        if (!Enum.IsDefined(Schedule))
            throw new ArgumentOutOfRangeException(nameof(Schedule), Schedule, "Option 'Schedule' is not a known LearningRateSchedule.");
        if (Nesterov && Momentum == 0)
            throw new ArgumentException("Option 'Nesterov' needs a positive 'Momentum'; got Momentum = 0.", nameof(Nesterov));
    }

    private static void CheckRange(int value, int min, int max, string name)
    {
        if (value < min || value > max)
            throw new ArgumentOutOfRangeException(name, value, $"Option '{name}' must be in [{min}, {max}].");
    }

    private static void CheckRange(double value, double min, double max, string name, bool maxInclusive)
    {
        bool ok = value >= min && (maxInclusive ? value <= max : value < max);
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value,
                $"Option '{name}' must be in [{min}, {max}{(maxInclusive ? "]" : ")")}.");
        }
    }

    /// <summary>The defaults, in one place, read by the options and by the catalog's flat overload.</summary>
    internal static class Defaults
    {
        public const int Generations = 2;
        public const int MaxGenerations = 100;
        public const int EpochsPerGeneration = 10;
        public const int BatchSize = 64;
        public const double LearningRate = 0.1;
        public const double Momentum = 0.9;
        public const double WeightDecay = 5e-4;
        public const double StepDecayFactor = 0.2;
        public const double LabelWeight = 0.5;
        public const double Temperature = 4;
        public const int RandomCropPadding = 4;
        public const BornAgainLoss Loss = BornAgainLoss.Ban;
        public static NetworkArchitecture Architecture => NetworkArchitecture.PreActResNet(20);
    }
}
