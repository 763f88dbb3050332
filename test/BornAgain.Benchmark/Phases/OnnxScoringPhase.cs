using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Transforms.Onnx;

namespace BornAgain.Benchmark.Phases;

/// <summary>
/// The ONNX Runtime peer of single-image scoring: the PyTorch twin exported to ONNX by the peer script (normalization
/// and softmax inside the graph) and scored through ML.NET's ApplyOnnxModel behind the same LoadImages/ResizeImages,
/// with the same PredictionEngine loop as the library.
/// </summary>
internal static class OnnxScoringPhase
{
    public static JsonObject Run(BenchmarkSettings settings, string onnxPath)
    {
        var ml = new MLContext(seed: 1);
        var rows = CifarImages.Rows(settings.DataFolder, "test", settings.TestImages);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImagePathRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", CifarImages.Size, CifarImages.Size))
            .Append(ml.Transforms.ExtractPixels("input", "Image", interleavePixelColors: false))
            .Append(ml.Transforms.ApplyOnnxModel(new OnnxOptions
            {
                ModelFile = onnxPath,
                InputColumns = ["input"],
                OutputColumns = ["probabilities"],
                IntraOpNumThreads = settings.Threads,
                InterOpNumThreads = 1,
            }));
        var model = pipeline.Fit(data);
        var (p50, p99) = ScoringPhase.Latency<OnnxPrediction>(ml, model, rows, settings.LatencySamples, p =>
        {
            if (p.Probabilities.Length != 10)
                throw new InvalidOperationException($"Expected 10 probabilities; got {p.Probabilities.Length}.");
        });
        return new JsonObject { ["onnxP50Ms"] = p50, ["onnxP99Ms"] = p99, ["peakRssMB"] = ProcessMemory.PeakMB };
    }
}
