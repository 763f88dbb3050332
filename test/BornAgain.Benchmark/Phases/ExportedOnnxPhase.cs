using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.BornAgain;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;

namespace BornAgain.Benchmark.Phases;

/// <summary>
/// The library's own ONNX export (<c>BornAgainTransformer.ExportToOnnx</c> of the estimator phase's model.zip, last
/// generation: one PreActResNet-20) next to the PyTorch-exported twin (peer.onnx), both scored by ONNX Runtime through
/// the same ML.NET pipeline (LoadImages, ResizeImages, ExtractPixels, ApplyOnnxModel; same session options):
/// <list type="bullet">
/// <item><c>onnx-export</c>: writes the export (its own process: it loads LibTorch, the scoring processes must not);</item>
/// <item><c>onnx-compare</c>: both models in one process, timed in alternation (single-image PredictionEngine calls
/// interleaved one by one, Transform passes alternated), so a load change on a shared machine hits both alike;</item>
/// <item><c>onnx-alone</c>: one model per process, the same scoring work, for that process's own peak RSS.</item>
/// </list>
/// </summary>
internal static class ExportedOnnxPhase
{
    /// <summary>Our export's graph input and probabilities output (docs/onnx.md).</summary>
    public static readonly OnnxModelColumns Ours = new("Image", "Score");

    /// <summary>The peer script's names (peer/pytorch_peer.py, export).</summary>
    public static readonly OnnxModelColumns Peer = new("input", "probabilities");

    public static JsonObject Export(string modelPath, string onnxPath)
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Model.Load(modelPath, out _);
        var bornAgain = ((TransformerChain<ITransformer>)model).OfType<BornAgainTransformer>().Single();
        bornAgain.ExportToOnnx(onnxPath);
        var generation = bornAgain.Generations[bornAgain.ScoringGenerations.Single()];
        (model as IDisposable)?.Dispose();
        return new JsonObject { ["onnx"] = onnxPath, ["bytes"] = new FileInfo(onnxPath).Length, ["generation"] = generation.ToString() };
    }

    public static JsonObject Compare(BenchmarkSettings settings, string oursPath, string peerPath)
    {
        var ml = new MLContext(seed: 1);
        var rows = CifarImages.Rows(settings.DataFolder, "test", settings.TestImages);
        var data = ml.Data.LoadFromEnumerable(rows);
        var ours = Pipeline(ml, settings, data, oursPath, Ours);
        var peer = Pipeline(ml, settings, data, peerPath, Peer);

        var (oursSeconds, peerSeconds) = Statistics.MedianPassSeconds(() => ReadAll(ours, data, Ours), () => ReadAll(peer, data, Peer));
        var oursEngine = Engine(ml, ours, Ours);
        var peerEngine = Engine(ml, peer, Peer);
        for (int i = 0; i < 20; i++)
        {
            oursEngine(rows[i % rows.Count]);
            peerEngine(rows[i % rows.Count]);
        }
        var oursMs = new double[settings.LatencySamples];
        var peerMs = new double[settings.LatencySamples];
        for (int i = 0; i < settings.LatencySamples; i++)
        {
            // Alternate which model goes first, so neither always runs on the other's warm caches.
            var row = rows[i % rows.Count];
            if (i % 2 == 0)
            {
                oursMs[i] = Milliseconds(oursEngine, row);
                peerMs[i] = Milliseconds(peerEngine, row);
            }
            else
            {
                peerMs[i] = Milliseconds(peerEngine, row);
                oursMs[i] = Milliseconds(oursEngine, row);
            }
        }
        return new JsonObject
        {
            ["oursP50Ms"] = Statistics.Median(oursMs), ["oursP99Ms"] = Statistics.Percentile(oursMs, 0.99),
            ["peerP50Ms"] = Statistics.Median(peerMs), ["peerP99Ms"] = Statistics.Percentile(peerMs, 0.99),
            ["oursImagesPerSecond"] = rows.Count / oursSeconds, ["peerImagesPerSecond"] = rows.Count / peerSeconds,
            ["libTorchMapped"] = LibTorchMapped(),
        };
    }

    /// <summary>One model's scoring work (Transform passes and the latency loop) in a process of its own: its peak RSS.</summary>
    public static JsonObject Alone(BenchmarkSettings settings, string onnxPath, bool ours)
    {
        var columns = ours ? Ours : Peer;
        var ml = new MLContext(seed: 1);
        var rows = CifarImages.Rows(settings.DataFolder, "test", settings.TestImages);
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = Pipeline(ml, settings, data, onnxPath, columns);
        for (int pass = 0; pass < 2; pass++)
            ReadAll(model, data, columns);
        var engine = Engine(ml, model, columns);
        for (int i = 0; i < settings.LatencySamples; i++)
            engine(rows[i % rows.Count]);
        return new JsonObject { ["peakRssMB"] = ProcessMemory.PeakMB, ["libTorchMapped"] = LibTorchMapped() };
    }

    private static ITransformer Pipeline(MLContext ml, BenchmarkSettings settings, IDataView data, string onnxPath, OnnxModelColumns columns) =>
        ml.Transforms.LoadImages("Loaded", imageFolder: null, inputColumnName: nameof(ImagePathRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("Loaded", CifarImages.Size, CifarImages.Size))
            .Append(ml.Transforms.ExtractPixels(columns.Input, "Loaded", interleavePixelColors: false))
            .Append(ml.Transforms.ApplyOnnxModel(new OnnxOptions
            {
                ModelFile = onnxPath,
                InputColumns = [columns.Input],
                OutputColumns = [columns.Output],
                IntraOpNumThreads = settings.Threads,
                InterOpNumThreads = 1,
            }))
            .Fit(data);

    private static void ReadAll(ITransformer model, IDataView data, OnnxModelColumns columns)
    {
        var scored = model.Transform(data);
        var column = scored.Schema[columns.Output];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var score = default(VBuffer<float>);
        while (cursor.MoveNext())
            getter(ref score);
    }

    /// <summary>A PredictionEngine reading the probabilities column by its model's name, checking there are 10.</summary>
    private static Action<ImagePathRow> Engine(MLContext ml, ITransformer model, OnnxModelColumns columns)
    {
        var output = SchemaDefinition.Create(typeof(ScorePrediction));
        output[nameof(ScorePrediction.Score)].ColumnName = columns.Output;
        var engine = ml.Model.CreatePredictionEngine<ImagePathRow, ScorePrediction>(model, outputSchemaDefinition: output);
        return row =>
        {
            var scores = engine.Predict(row).Score;
            if (scores.Length != 10)
                throw new InvalidOperationException($"Expected 10 probabilities; got {scores.Length}.");
        };
    }

    private static double Milliseconds(Action<ImagePathRow> score, ImagePathRow row)
    {
        long t0 = Stopwatch.GetTimestamp();
        score(row);
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    /// <summary>Whether this process mapped any LibTorch library (it should not: scoring ONNX needs none).</summary>
    private static bool LibTorchMapped() =>
        File.ReadLines("/proc/self/maps").Any(line => line.Contains("libtorch", StringComparison.OrdinalIgnoreCase));
}

/// <summary>The graph input fed with the pixels and the output read as class probabilities.</summary>
internal sealed record OnnxModelColumns(string Input, string Output);
