using BornAgain.Benchmark;
using BornAgain.Benchmark.Phases;

// dotnet run --project test/BornAgain.Benchmark -c Release [-- --quick] [--data DIR] [--out DIR] [--service-clients N]
//   [--isa avx2|avx512|default] [--report-from work/phases.json]
// Child processes of this same program run one measured phase each: --phase NAME (see BenchmarkRun).
var settings = BenchmarkSettings.Parse(args);
string? phase = BenchmarkSettings.ValueOf(args, "--phase");
if (phase is null)
{
    if (BenchmarkSettings.ValueOf(args, "--report-from") is { } saved)
        BenchmarkRun.ReportFrom(settings, saved);
    else
        BenchmarkRun.Run(settings);
    return 0;
}

if (phase == "data-parallel")
{
    // Under mpiexec every rank runs this; rank 0 alone prints the result (the ranks' output lines would interleave).
    var result = DataParallelPhase.Run(settings, int.Parse(BenchmarkSettings.ValueOf(args, "--threads") ?? "2"));
    if (Microsoft.ML.BornAgain.DataParallelTraining.Rank == 0)
        PhaseRunner.WriteResult(result);
    return 0;
}

string? model = BenchmarkSettings.ValueOf(args, "--model");
PhaseRunner.WriteResult(phase switch
{
    "estimator" => EstimatorTrainingPhase.Run(settings, augment: !args.Contains("--no-augment"),
        generations: int.Parse(BenchmarkSettings.ValueOf(args, "--generations") ?? "2"), savePath: model,
        teacherInBFloat16: args.Contains("--teacher-bf16")),
    "raw-train" => RawTorchSharpPhase.Train(settings),
    "scoring" => ScoringPhase.Run(settings, model ?? throw new ArgumentException("--model is required")),
    "service" => ServicePhase.Run(settings, model ?? throw new ArgumentException("--model is required")),
    "limits" => ComputeLimitPhase.Run(settings),
    "student-step" => StudentStepPhase.Run(settings),
    "bf16" => BFloat16Phase.Run(settings, int.Parse(BenchmarkSettings.ValueOf(args, "--epochs") ?? "2"),
        int.Parse(BenchmarkSettings.ValueOf(args, "--train-count") ?? settings.TrainImages.ToString())),
    "onnx" => OnnxScoringPhase.Run(settings, model ?? throw new ArgumentException("--model is required")),
    "onnx-export" => ExportedOnnxPhase.Export(model ?? throw new ArgumentException("--model is required"),
        BenchmarkSettings.ValueOf(args, "--onnx") ?? throw new ArgumentException("--onnx is required")),
    "onnx-compare" => ExportedOnnxPhase.Compare(settings, model ?? throw new ArgumentException("--model is required"),
        BenchmarkSettings.ValueOf(args, "--peer") ?? throw new ArgumentException("--peer is required")),
    "onnx-alone" => ExportedOnnxPhase.Alone(settings, model ?? throw new ArgumentException("--model is required"), ours: args.Contains("--ours")),
    _ => throw new ArgumentException($"Unknown phase '{phase}'."),
});
return 0;
