using System.Globalization;

namespace BornAgain.Benchmark;

/// <summary>
/// What one benchmark run measures: the data, the sizes (quick for iterating, full for the README) and where the
/// results go. Every phase gets the same settings, so the library, the raw loops and the PyTorch peer see the same
/// network, batch, threads and images.
/// </summary>
internal sealed record BenchmarkSettings
{
    public required string DataFolder { get; init; }
    public required string OutputFolder { get; init; }
    public required bool Quick { get; init; }

    /// <summary>Training images used (the first N of the class-balanced, interleaved list).</summary>
    public int TrainImages => Quick ? 384 : 5000;

    /// <summary>Test images scored by Transform, raw evaluation and the latency loops.</summary>
    public int TestImages => Quick ? 128 : 1000;

    public int EpochsPerGeneration => 2;
    public int BatchSize => 64;
    public int Threads => 2;

    /// <summary>Batches at the start of every generation left out of the steady-state figures (warm-up).</summary>
    public int WarmupBatches => Quick ? 2 : 5;

    /// <summary>Timed steps of the raw TorchSharp and PyTorch training loops (after the warm-up).</summary>
    public int RawSteps => Quick ? 10 : 60;

    /// <summary>PredictionEngine / ONNX single-image predictions timed (after 20 warm-up ones).</summary>
    public int LatencySamples => Quick ? 100 : 1000;

    /// <summary>
    /// Concurrent clients of the scoring service's closed-loop load (<c>--service-clients N</c>): twice the cores of
    /// the 2-core machine the README's figures come from, so requests queue in the service as under real load.
    /// </summary>
    public int ServiceClients { get; init; } = 4;

    /// <summary>Requests each concurrent client sends, one after the other, after the warm-up.</summary>
    public int ServiceRequestsPerClient => Quick ? 50 : 250;

    /// <summary>
    /// How many times the training phases run, library and peers in turn (<c>--rounds N</c>; 3, or 1 with
    /// <c>--quick</c>): a single run's ratios move by 20-30% on a machine whose speed changes from minute to minute.
    /// </summary>
    public int TrainingRounds { get; init; } = 3;

    public string PythonPath { get; init; } = "/usr/bin/python3";

    /// <summary>
    /// The instruction set the kernels are limited to in every child process (<c>--isa avx2</c>), ours and the PyTorch
    /// peer alike, so that one AVX-512 machine also gives the table of an AVX2 machine; null: what the CPU has.
    /// </summary>
    public string? Isa { get; init; }

    /// <summary>
    /// The environment that limits LibTorch's and PyTorch's kernels to <see cref="Isa"/>: oneDNN (convolutions,
    /// batch normalization, pooling) and ATen's own vectorized kernels (element-wise operations, reductions). Both are
    /// read when the native library loads, so they are set for child processes, never in-process.
    /// </summary>
    public IReadOnlyDictionary<string, string> KernelEnvironment => Isa switch
    {
        null => new Dictionary<string, string>(),
        "avx2" => new Dictionary<string, string> { ["ONEDNN_MAX_CPU_ISA"] = "AVX2", ["ATEN_CPU_CAPABILITY"] = "avx2" },
        "avx512" => new Dictionary<string, string> { ["ONEDNN_MAX_CPU_ISA"] = "AVX512_CORE", ["ATEN_CPU_CAPABILITY"] = "avx512" },
        "default" => new Dictionary<string, string> { ["ONEDNN_MAX_CPU_ISA"] = "SSE41", ["ATEN_CPU_CAPABILITY"] = "default" },
        _ => throw new ArgumentException($"--isa must be avx2, avx512 or default (SSE4.1 oneDNN, scalar ATen); got '{Isa}'."),
    };

    /// <summary>
    /// Reads <c>--quick</c>, <c>--data DIR</c>, <c>--out DIR</c>, <c>--python PATH</c>, <c>--service-clients N</c>,
    /// <c>--isa avx2|avx512|default</c>, <c>--rounds N</c>.
    /// </summary>
    public static BenchmarkSettings Parse(string[] args)
    {
        bool quick = args.Contains("--quick");
        string? data = ValueOf(args, "--data");
        string output = ValueOf(args, "--out") ?? Path.Combine(RepositoryRoot(), "test", "BornAgain.Benchmark", "results");
        return new BenchmarkSettings
        {
            Quick = quick,
            DataFolder = data ?? FindData(),
            OutputFolder = Path.GetFullPath(output),
            PythonPath = ValueOf(args, "--python") ?? "/usr/bin/python3",
            ServiceClients = ValueOf(args, "--service-clients") is { } clients ? int.Parse(clients, CultureInfo.InvariantCulture) : 4,
            Isa = ValueOf(args, "--isa")?.ToLowerInvariant(),
            TrainingRounds = ValueOf(args, "--rounds") is { } rounds ? PositiveCount("--rounds", rounds) : quick ? 1 : 3,
        };
    }

    /// <summary>The arguments that give a child process these settings.</summary>
    public IEnumerable<string> ToArguments()
    {
        yield return "--data";
        yield return DataFolder;
        yield return "--out";
        yield return OutputFolder;
        yield return "--service-clients";
        yield return ServiceClients.ToString(CultureInfo.InvariantCulture);
        if (Quick)
            yield return "--quick";
        if (Isa is not null)
        {
            yield return "--isa";
            yield return Isa;
        }
    }

    private static int PositiveCount(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value is >= 1 and <= 20
            ? value
            : throw new ArgumentException($"{option} must be a whole number from 1 to 20; got '{text}'.");

    public static string? ValueOf(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>The CIFAR-10 subset shipped with the sample (--data DIR for another folder).</summary>
    private static string FindData()
    {
        string root = RepositoryRoot();
        string shipped = Path.Combine(root, "src", "Samples", "Data", "cifar-10-jpg-mini");
        if (Directory.Exists(Path.Combine(shipped, "train")))
            return shipped;
        throw new DirectoryNotFoundException($"No CIFAR-10 image folder at {shipped}; pass --data DIR (with train/ and test/).");
    }

    /// <summary>
    /// <paramref name="path"/> relative to the repository root when inside it ('/' separators), else as given: the
    /// results written into the repository hold no machine's folders.
    /// </summary>
    public static string RepositoryRelative(string path)
    {
        string root = RepositoryRoot();
        string full = Path.GetFullPath(path);
        string relative = Path.GetRelativePath(root, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative.Replace('\\', '/');
    }

    /// <summary>The folder holding BornAgain.ML.sln, found upwards from the program's folder.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BornAgain.ML.sln")))
                return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
