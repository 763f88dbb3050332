using System.Globalization;
using System.Text.Json.Nodes;
using BornAgain.Benchmark.Phases;
using Spectre.Console;

namespace BornAgain.Benchmark;

/// <summary>
/// Runs every phase (library, raw TorchSharp, PyTorch, the scoring service, ONNX Runtime) one after the other and
/// reports the ratios.
/// </summary>
internal static class BenchmarkRun
{
    public static void Run(BenchmarkSettings settings)
    {
        string work = Path.Combine(settings.OutputFolder, "work");
        Directory.CreateDirectory(work);
        string modelPath = Path.Combine(work, "model.zip");
        string onnxPath = Path.Combine(work, "peer.onnx");
        var machine = Machine(settings);
        AnsiConsole.MarkupLine($"[bold]BornAgain.ML benchmark[/] ({(settings.Quick ? "quick" : "full")}), data: {Markup.Escape(settings.DataFolder)}" +
            Markup.Escape(KernelLabel(settings) is { Length: > 0 } label ? $", {label}" : ""));

        var phases = new JsonObject();
        string progress = Path.Combine(work, "phases.json");
        // Every finished phase is saved at once, so that a phase that fails late in a 20-minute run loses none of the
        // earlier ones (--report-from renders a saved file).
        void SaveProgress()
        {
            var saved = new JsonObject { ["machine"] = machine.DeepClone(), ["phases"] = phases.DeepClone() };
            RepositoryRelativePaths(saved);
            File.WriteAllText(progress, saved.ToJsonString(PhaseRunner.Indented));
        }
        void Step(JsonObject into, string name, Func<JsonObject> run)
        {
            BenchmarkRun.Step(into, name, run);
            SaveProgress();
        }

        string[] peerData =
        [
            "--data", settings.DataFolder, "--threads", Str(settings.Threads), "--batch", Str(settings.BatchSize),
            "--warmup", Str(settings.WarmupBatches), "--count", Str(settings.TrainImages),
        ];
        string[] peerArgs = [.. peerData, "--epochs", Str(settings.EpochsPerGeneration)];
        Step(phases, "pytorchExport", () => PhaseRunner.RunPython(settings, "export", "--out", onnxPath));
        Step(phases, "limits", () => PhaseRunner.RunPhase(settings, "limits"));
        // Training phases alternate library and peers, round after round, so that a change in the machine's load or
        // speed meets both sides alike; the training rows report medians over the rounds (TrainingRounds).
        var rounds = new JsonArray();
        phases[TrainingRounds.Key] = rounds;
        for (int r = 0; r < settings.TrainingRounds; r++)
        {
            AnsiConsole.MarkupLine($"  training round {r + 1} of {settings.TrainingRounds}");
            var round = new JsonObject();
            string[] save = r == 0 ? ["--model", modelPath] : [];
            Step(round, "estimator", () => PhaseRunner.RunPhase(settings, "estimator", ["--generations", "2", .. save]));
            Step(round, "pytorchTrain", () => PhaseRunner.RunPython(settings, ["train", .. peerArgs, "--augment"]));
            Step(round, "rawTrain", () => PhaseRunner.RunPhase(settings, "raw-train"));
            Step(round, "estimatorNoAugment", () => PhaseRunner.RunPhase(settings, "estimator", "--generations", "1", "--no-augment"));
            Step(round, "estimatorBFloat16Teacher", () => PhaseRunner.RunPhase(settings, "estimator", "--generations", "1", "--teacher-bf16"));
            Step(round, "pytorchTrainNoAugment", () => PhaseRunner.RunPython(settings, ["train", .. peerArgs]));
            Step(round, "pytorchTrainChannelsLast", () => PhaseRunner.RunPython(settings, ["train", .. peerArgs, "--augment", "--channels-last"]));
            Step(round, "pytorchDistill", () => PhaseRunner.RunPython(settings, ["train", .. peerArgs, "--augment", "--distill"]));
            rounds.Add(round);
        }
        // Where the convolutions' time goes, from oneDNN's own log of each side's training steps (ConvolutionKernels).
        string[] loggedSteps = ["train", .. peerData, "--steps", Str(settings.RawSteps)];
        Step(phases, ConvolutionKernels.Ours, () => PhaseRunner.RunPhaseWithOneDnnLog(settings, "raw-train"));
        Step(phases, ConvolutionKernels.Peer, () => PhaseRunner.RunPythonWithOneDnnLog(settings, loggedSteps));
        Step(phases, ConvolutionKernels.PeerChannelsLast, () => PhaseRunner.RunPythonWithOneDnnLog(settings, [.. loggedSteps, "--channels-last"]));
        Step(phases, "studentStep", () => PhaseRunner.RunPhase(settings, "student-step"));
        Step(phases, "scoring", () => PhaseRunner.RunPhase(settings, "scoring", "--model", modelPath));
        Step(phases, "service", () => PhaseRunner.RunPhase(settings, "service", "--model", modelPath));
        Step(phases, "onnx", () => PhaseRunner.RunPhase(settings, "onnx", "--model", onnxPath));
        ExportedOnnxSteps(settings, phases, work, modelPath, onnxPath, Step);
        Step(phases, "dataParallel", () => DataParallelPhase.Compare(settings));
        machine["loadAverageAfter"] = LoadAverage();
        RepositoryRelativePaths(phases);
        RepositoryRelativePaths(machine);
        // The measurements first, so that a report that cannot be made loses none of them (--report-from renders them again).
        SaveProgress();
        Report(settings, phases, machine);
    }

    /// <summary>
    /// Makes the report again from a run's measurements (<c>--report-from FILE</c>: its work/phases.json or its
    /// benchmark.json) without measuring anything.
    /// </summary>
    public static void ReportFrom(BenchmarkSettings settings, string file)
    {
        var saved = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        Report(settings, saved["phases"]!.AsObject().DeepClone().AsObject(), saved["machine"]!.AsObject().DeepClone().AsObject());
    }

    private static void Report(BenchmarkSettings settings, JsonObject phases, JsonObject machine)
    {
        var report = Ratios(phases, machine);
        report.Heading = "Every row: our figure, the peer's, ours / peer, and whether higher or lower is better." +
            (machine["kernelPathsForced"]?.ToString() is { } forced && !forced.StartsWith("none", StringComparison.Ordinal)
                ? $" Kernel paths forced for every process: {forced}." : "");
        report.Print();
        report.Write(settings.OutputFolder);
        AnsiConsole.MarkupLine($"Written: {Markup.Escape(Path.Combine(settings.OutputFolder, "benchmark.json"))} and benchmark.md");
    }

    private static BenchmarkReport Ratios(JsonObject p, JsonObject machine)
    {
        JsonObject Phase(string name) => p[name]!.AsObject();
        var rounds = new TrainingRounds(p);
        var est = rounds.First("estimator");
        var torch = rounds.First("pytorchTrain");
        var limits = Phase("limits");
        var report = new BenchmarkReport(p, machine);
        double StepMs(double imagesPerSecond) => machine.Number("batch") * 1000 / imagesPerSecond;
        static double Teacher(TrainingRounds.Round r) => r["estimator"].Number("gen0ImagesPerSecond");
        static double TeacherWhole(TrainingRounds.Round r) => r["estimator"].Number("gen0WholeImagesPerSecond");
        static double StudentsSteady(TrainingRounds.Round r) =>
            Mean(r["estimator"].Number("gen1ImagesPerSecond"), r["estimator"].Number("gen2ImagesPerSecond"));
        static double StudentsWhole(TrainingRounds.Round r) =>
            Mean(r["estimator"].Number("gen1WholeImagesPerSecond"), r["estimator"].Number("gen2WholeImagesPerSecond"));
        static Func<TrainingRounds.Round, double> Figure(string phase, string key) => r => r[phase].Number(key);

        // Targets: 1.1x PyTorch's default (eager, NCHW) for every training row, 1.0x its opt-in channels_last.
        // The headline: what a user waits for, from Fit (decoding, warm-up, collections, epoch ends included), against
        // the PyTorch script's whole run measured the same way; the steady state next to it.
        rounds.AtLeast(report, "Training the teacher, whole run (decode, warm-up, collections included) vs PyTorch's whole run",
            TeacherWhole, Figure("pytorchTrain", "wholeImagesPerSecond"), "img/s", 1.1);
        rounds.AtLeast(report, "Training the teacher, steady state (batch / median step) vs PyTorch", Teacher,
            Figure("pytorchTrain", "imagesPerSecond"), "img/s", 1.1);
        rounds.AtLeast(report, "Student generations, whole generation vs PyTorch distillation's whole loop (neither decodes)", StudentsWhole,
            Figure("pytorchDistill", "loopImagesPerSecond"), "img/s", 1.1);
        rounds.AtLeast(report, "Student generations, steady state vs PyTorch distillation", StudentsSteady,
            Figure("pytorchDistill", "imagesPerSecond"), "img/s", 1.1);
        // Opt-in (Options.TeacherInBFloat16), so outside the targets; runs before it have no such phase.
        if (rounds.Has("estimatorBFloat16Teacher"))
        {
            rounds.AtLeast(report, "Student generation with the opt-in bfloat16 teacher (TeacherInBFloat16), steady state vs PyTorch distillation",
                Figure("estimatorBFloat16Teacher", "gen1ImagesPerSecond"), Figure("pytorchDistill", "imagesPerSecond"), "img/s", null);
        }
        rounds.AtLeast(report, "Training the teacher, whole run vs PyTorch with channels_last (opt-in there), whole run",
            TeacherWhole, Figure("pytorchTrainChannelsLast", "wholeImagesPerSecond"), "img/s", 1.0);
        rounds.AtLeast(report, "Training the teacher, steady state vs PyTorch with channels_last (opt-in there)", Teacher,
            Figure("pytorchTrainChannelsLast", "imagesPerSecond"), "img/s", 1.0);
        rounds.AtLeast(report, "Raw TorchSharp loop vs PyTorch (no augmentation), steady state", Figure("rawTrain", "imagesPerSecond"),
            Figure("pytorchTrainNoAugment", "imagesPerSecond"), "img/s", 1.0);
        // Overhead: the estimator's step against the raw loop's (same work: no augmentation); 0.95x is 5% slower.
        rounds.AtLeast(report, "Pipeline step (estimator, no augmentation) vs raw TorchSharp loop, steady state",
            Figure("estimatorNoAugment", "gen0ImagesPerSecond"), Figure("rawTrain", "imagesPerSecond"), "img/s", 0.95);
        rounds.AtMost(report, "Student step vs teacher step, median (augmented: teacher forward per step)", r => StepMs(StudentsSteady(r)),
            r => StepMs(Teacher(r)), "ms", 1.35);
        rounds.AtMost(report, "Student step vs teacher step, median (no augmentation: cached teacher outputs)",
            r => StepMs(r["estimatorNoAugment"].Number("gen1ImagesPerSecond")), r => StepMs(r["estimatorNoAugment"].Number("gen0ImagesPerSecond")),
            "ms", 1.05);
        // Where a student's extra step time goes, measured in one process with the parts alternating (runs before it
        // have no such phase).
        if (p["studentStep"] is JsonObject split)
        {
            report.AtMost("Student step: time the teacher adds (step with it - step without) vs its forward pass alone, medians",
                split.Number("studentStepNoGradTeacherMs") - split.Number("studentStepWithoutTeacherMs"), split.Number("teacherForwardMs"), "ms", null);
            report.AtMost("Student step: teacher's forward pass under inference_mode vs no_grad (the library's), medians",
                split.Number("studentStepInferenceModeTeacherMs"), split.Number("studentStepNoGradTeacherMs"), "ms", null);
            if (split["studentStepBFloat16TeacherMs"] is not null)
            {
                report.AtMost("Student step: on the teacher's bfloat16 copy (TeacherInBFloat16) vs the float32 teacher, medians",
                    split.Number("studentStepBFloat16TeacherMs"), split.Number("studentStepNoGradTeacherMs"), "ms", null);
            }
        }
        // The students' gap split in two: the teacher's forward pass inside the step (both sides time it around the call)
        // and the rest of the step, the student's own training (runs before it have no PyTorch figure).
        if (rounds.First("pytorchDistill")["medianTeacherForwardMs"] is not null)
        {
            static double OurTeacherForwardMs(TrainingRounds.Round r) =>
                Mean(r["estimator"]["gen1"]!.AsObject().Number("medianTeacherForwardMs"), r["estimator"]["gen2"]!.AsObject().Number("medianTeacherForwardMs"));
            static double PeerTeacherForwardMs(TrainingRounds.Round r) => r["pytorchDistill"].Number("medianTeacherForwardMs");
            rounds.AtMost(report, "Student step: the teacher's forward pass inside it vs PyTorch distillation's, medians",
                OurTeacherForwardMs, PeerTeacherForwardMs, "ms", null);
            rounds.AtMost(report, "Student step without the teacher's forward pass vs PyTorch distillation's, medians",
                r => StepMs(StudentsSteady(r)) - OurTeacherForwardMs(r), r => r["pytorchDistill"].Number("medianStepMs") - PeerTeacherForwardMs(r), "ms", null);
        }
        rounds.AtMost(report, "Augmentation call vs the whole training step, medians (teacher)",
            r => r["estimator"]["gen0"]!.AsObject().Number("medianAugmentMs"), r => r["estimator"]["gen0"]!.AsObject().Number("medianStepMs"), "ms", 0.05);

        // The physical limit of the machine of the run: what fraction of the CPU's convolution rate training reaches.
        double trainingMflops = limits.Number("trainingMflopsPerImage");
        double Gflops(double imagesPerSecond) => imagesPerSecond * trainingMflops / 1000;
        double teacherSteady = rounds.Median(Teacher);
        report.AtLeast("Teacher steady state vs its convolutions alone (the network's, forward + backward at the batch)",
            teacherSteady, limits.Number("convolutionCeilingImagesPerSecond"), "img/s", null);
        report.AtLeast("Teacher steady state: arithmetic rate (img/s x training FLOPs) vs the CPU's convolution rate",
            Gflops(teacherSteady), limits.Number("peakGflops"), "GFLOP/s", null);
        report.AtLeast("Teacher whole run: arithmetic rate vs the CPU's convolution rate", Gflops(rounds.Median(TeacherWhole)),
            limits.Number("peakGflops"), "GFLOP/s", null);
        report.Figure("Physical limit (this machine, this run): convolution rate; network FLOPs per image; PyTorch steady state's share",
            string.Create(CultureInfo.InvariantCulture,
                $"{limits.Number("peakGflops"):0.0} GFLOP/s ({limits["peakConvolution"]}); the network's convolutions " +
                $"{limits.Number("convolutionsTrainingGflops"):0.0} GFLOP/s forward + backward; PreActResNet-20 " +
                $"{limits.Number("forwardMflopsPerImage"):0.0} MFLOP forward, ~{trainingMflops:0} per trained image; PyTorch's " +
                $"steady state at {100 * Gflops(rounds.Median(Figure("pytorchTrain", "imagesPerSecond"))) / limits.Number("peakGflops"):0}% of the convolution rate"));

        ConvolutionKernels.AddTo(report, p, StepMs(teacherSteady), StepMs(rounds.Median(Figure("pytorchTrain", "imagesPerSecond"))));

        report.AtLeast("Transform (batch scoring, from image paths) vs raw evaluation", Phase("scoring").Number("transformImagesPerSecond"),
            Phase("scoring").Number("rawEvalImagesPerSecond"), "img/s", 0.9);
        report.AtMost("PredictionEngine p50, one generation vs ONNX Runtime", Phase("scoring").Number("engineP50Ms"), Phase("onnx").Number("onnxP50Ms"), "ms", 1.2);
        report.AtMost("PredictionEngine p99, one generation vs ONNX Runtime", Phase("scoring").Number("engineP99Ms"), Phase("onnx").Number("onnxP99Ms"), "ms", null);
        report.AtMost("PredictionEngine p50, 3-generation BANE vs ONNX Runtime (one network)", Phase("scoring").Number("baneP50Ms"), Phase("onnx").Number("onnxP50Ms"), "ms", null);
        report.AtMost("PredictionEngine p99, 3-generation BANE vs ONNX Runtime (one network)", Phase("scoring").Number("baneP99Ms"), Phase("onnx").Number("onnxP99Ms"), "ms", null);
        var service = Phase("service");
        report.AtMost("POST /predict p50, 1 client over loopback HTTP vs in-process PredictionEngine p50", service.Number("singleClientP50Ms"),
            Phase("scoring").Number("engineP50Ms"), "ms", null);
        report.Figure($"POST /predict under load: {service.Number("clients")} concurrent clients, closed loop (requests/s, p50, p99)",
            string.Create(CultureInfo.InvariantCulture,
                $"{service.Number("requestsPerSecond"):0.0} req/s, p50 {service.Number("p50Ms"):0.00} ms, p99 {service.Number("p99Ms"):0.00} ms"));
        report.AtMost("Peak RSS, training (estimator process vs PyTorch process)", est.Number("peakRssMB"), torch.Number("peakRssMB"), "MB", 1.5);
        var rss = est["rssAfterEpochMB"]!.AsArray().Select(v => PhaseRunner.AsDouble(v!.AsValue())).ToList();
        report.AtMost("RSS after the last epoch vs after the first (flat across epochs)", rss[^1], rss[0], "MB", 1.05);
        report.AtMost("Peak RSS, scoring (PredictionEngine + Transform vs ONNX Runtime process)", Phase("scoring").Number("peakRssMB"),
            Phase("onnx").Number("peakRssMB"), "MB", null);
        report.Figure("Peak RSS, scoring service process after the load", string.Create(CultureInfo.InvariantCulture, $"{service.Number("servicePeakRssMB"):0} MB"));
        ExportedOnnxRows(report, p);
        TrainingBreakdown.AddTo(report, est, torch);
        // Data parallelism on one machine: what MPI costs against LibTorch's own threads (skipped without mpiexec).
        if (p["dataParallel"]?["skipped"] is { } skipped)
        {
            report.Figure("Training, 2 MPI ranks x 1 thread vs 1 process x 2 threads", $"not measured: {skipped}");
            return report;
        }
        report.AtLeast("Training: 2 MPI ranks x 1 thread vs 1 process x 2 threads (same data, global batch)",
            Phase("dataParallel").Number("twoRanksImagesPerSecond"), Phase("dataParallel").Number("oneProcessImagesPerSecond"), "img/s", null);
        var dataParallel = Phase("dataParallel");
        report.Figure("Training, 2 MPI ranks: share of the step time in the gradient allreduce",
            $"{100 * dataParallel.Number("twoRanksAllreduceShare"):F1}%");
        report.Figure("One allreduce of the gradients (2 ranks, loopback), median, by parameter count",
            string.Join("; ", dataParallel["allreduce"]!.AsArray().Select(a =>
                $"{a!["network"]} {a.AsObject().Number("parameters"):N0}: {a.AsObject().Number("medianMs"):F2} ms")));
        return report;
    }

    /// <summary>The library's ONNX export (Phases/ExportedOnnxPhase.cs, PublishSizePhase.cs): export, compare, RSS alone, app sizes.</summary>
    private static void ExportedOnnxSteps(BenchmarkSettings settings, JsonObject phases, string work, string modelPath, string peerOnnx,
        Action<JsonObject, string, Func<JsonObject>> step)
    {
        string exported = Path.Combine(work, "model.onnx");
        step(phases, "onnxExport", () => PhaseRunner.RunPhase(settings, "onnx-export", "--model", modelPath, "--onnx", exported));
        step(phases, "onnxCompare", () => PhaseRunner.RunPhase(settings, "onnx-compare", "--model", exported, "--peer", peerOnnx));
        step(phases, "onnxAloneOurs", () => PhaseRunner.RunPhase(settings, "onnx-alone", "--model", exported, "--ours"));
        step(phases, "onnxAlonePeer", () => PhaseRunner.RunPhase(settings, "onnx-alone", "--model", peerOnnx));
        step(phases, "publishSize", () => Phases.PublishSizePhase.Run(work));
    }

    private static void ExportedOnnxRows(BenchmarkReport report, JsonObject p)
    {
        var compare = p["onnxCompare"]!.AsObject();
        var scoring = p["scoring"]!.AsObject();
        report.AtMost("Exported ONNX p50 vs PyTorch-exported ONNX p50, one network, same ONNX Runtime pipeline (lower is better)",
            compare.Number("oursP50Ms"), compare.Number("peerP50Ms"), "ms", 1.1);
        report.AtMost("Exported ONNX p99 vs PyTorch-exported ONNX p99 (lower is better)", compare.Number("oursP99Ms"), compare.Number("peerP99Ms"), "ms", null);
        report.AtLeast("Exported ONNX batch throughput (Transform) vs PyTorch-exported ONNX (higher is better)",
            compare.Number("oursImagesPerSecond"), compare.Number("peerImagesPerSecond"), "img/s", null);
        report.AtMost("Exported ONNX p50 vs PredictionEngine p50 on the model.zip, one generation (lower is better)",
            compare.Number("oursP50Ms"), scoring.Number("engineP50Ms"), "ms", null);
        report.AtLeast("Exported ONNX batch throughput vs Transform on the model.zip (higher is better)",
            compare.Number("oursImagesPerSecond"), scoring.Number("transformImagesPerSecond"), "img/s", null);
        report.AtMost("Peak RSS, ONNX scoring process: exported vs PyTorch-exported model (lower is better)",
            p["onnxAloneOurs"]!.AsObject().Number("peakRssMB"), p["onnxAlonePeer"]!.AsObject().Number("peakRssMB"), "MB", 1.2);
        var sizes = p["publishSize"]!.AsObject();
        report.AtMost("Published service (linux-x64): without LibTorch (.onnx only) vs with LibTorch (lower is better)",
            sizes.Number("withoutLibTorchMB"), sizes.Number("withLibTorchMB"), "MB", null);
    }

    /// <summary>"ONEDNN_MAX_CPU_ISA=AVX2, ATEN_CPU_CAPABILITY=avx2 (--isa avx2)", or empty when nothing is forced.</summary>
    private static string KernelLabel(BenchmarkSettings settings) =>
        settings.Isa is null ? "" : string.Join(", ", settings.KernelEnvironment.Select(v => $"{v.Key}={v.Value}")) + $" (--isa {settings.Isa})";

    /// <summary>Rewrites every string value that is a path inside the repository to its repository-relative form.</summary>
    private static void RepositoryRelativePaths(JsonNode? node)
    {
        string root = BenchmarkSettings.RepositoryRoot();
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (o[key] is JsonValue v && v.TryGetValue(out string? text) && Path.IsPathRooted(text) && text.StartsWith(root, StringComparison.Ordinal))
                        o[key] = BenchmarkSettings.RepositoryRelative(text);
                    else
                        RepositoryRelativePaths(o[key]);
                }
                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue v && v.TryGetValue(out string? text) && Path.IsPathRooted(text) && text.StartsWith(root, StringComparison.Ordinal))
                        a[i] = BenchmarkSettings.RepositoryRelative(text);
                    else
                        RepositoryRelativePaths(a[i]);
                }
                break;
        }
    }

    private static void Step(JsonObject phases, string name, Func<JsonObject> run)
    {
        AnsiConsole.Markup($"  {name} ... ");
        var started = DateTime.UtcNow;
        var result = run();
        result["wallSeconds"] = Math.Round((DateTime.UtcNow - started).TotalSeconds, 1);
        phases[name] = result;
        AnsiConsole.MarkupLine(Markup.Escape($"{result["wallSeconds"]} s  {result.ToJsonString()}"));
    }

    private static JsonObject Machine(BenchmarkSettings settings)
    {
        var cpu = CpuInfo.Read();
        return new JsonObject
        {
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["cpu"] = cpu.Model,
            ["cpuFamilyModelStepping"] = cpu.FamilyModelStepping,
            ["cpuVectorFlags"] = string.Join(' ', cpu.VectorFlags),
            ["kernelPathsForced"] = KernelLabel(settings) is { Length: > 0 } forced ? forced : "none (what the CPU has)",
            ["nproc"] = Environment.ProcessorCount,
            ["threads"] = settings.Threads,
            ["batch"] = settings.BatchSize,
            ["trainImages"] = settings.TrainImages,
            ["mode"] = settings.Quick ? "quick" : "full",
            ["torchSharp"] = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(),
            ["loadAverageBefore"] = LoadAverage(),
        };
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static double Mean(params double[] values) => values.Where(double.IsFinite).Average();

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
