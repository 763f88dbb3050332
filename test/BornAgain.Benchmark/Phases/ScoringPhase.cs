using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.BornAgain;
using Microsoft.ML.Data;

namespace BornAgain.Benchmark.Phases;

/// <summary>
/// Scores with the model.zip the estimator phase saved, loaded as a production app would: <c>Transform</c>
/// throughput over the test images (image paths in, decoding included), timed in alternation with the raw TorchSharp
/// evaluation of the same images as pre-made tensors, and <c>PredictionEngine</c> single-image latency with the last
/// generation alone and with the BANE average of all three.
/// </summary>
internal static class ScoringPhase
{
    public static JsonObject Run(BenchmarkSettings settings, string modelPath)
    {
        var ml = new MLContext(seed: 1);
        var rows = CifarImages.Rows(settings.DataFolder, "test", settings.TestImages);
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Model.Load(modelPath, out _);
        var chain = (TransformerChain<ITransformer>)model;
        var bornAgain = chain.OfType<BornAgainTransformer>().Single();

        var result = new JsonObject { ["decodeImagesPerSecond"] = DecodeOnly(ml, data) };
        var (transformSeconds, rawSeconds) = Statistics.MedianPassSeconds(() => ReadScores(model, data), RawTorchSharpPhase.EvaluationPass(settings));
        result["transformImagesPerSecond"] = rows.Count / transformSeconds;
        result["rawEvalImagesPerSecond"] = rows.Count / rawSeconds;

        var single = Latency(ml, model, rows, settings.LatencySamples);
        result["engineP50Ms"] = single.P50;
        result["engineP99Ms"] = single.P99;
        var all = Enumerable.Range(0, bornAgain.Generations.Count).ToArray();
        var bane = new TransformerChain<ITransformer>(chain.Select(t => t == bornAgain ? bornAgain.WithScoringGenerations(all) : t).ToArray());
        var ensemble = Latency(ml, bane, rows, settings.LatencySamples);
        result["baneGenerations"] = all.Length;
        result["baneP50Ms"] = ensemble.P50;
        result["baneP99Ms"] = ensemble.P99;
        result["peakRssMB"] = ProcessMemory.PeakMB;
        return result;
    }

    /// <summary>Reads every Score vector of the transformed data.</summary>
    private static void ReadScores(ITransformer model, IDataView data)
    {
        var scored = model.Transform(data);
        var column = scored.Schema["Score"];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var score = default(VBuffer<float>);
        while (cursor.MoveNext())
            getter(ref score);
    }

    /// <summary>LoadImages + ResizeImages alone: how much of scoring is JPEG decoding (images per second).</summary>
    private static double DecodeOnly(MLContext ml, IDataView data)
    {
        var decode = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImagePathRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", CifarImages.Size, CifarImages.Size))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", interleavePixelColors: false))
            .Fit(data);
        double seconds = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            long t0 = Stopwatch.GetTimestamp();
            var transformed = decode.Transform(data);
            var column = transformed.Schema["Pixels"];
            using var cursor = transformed.GetRowCursor([column]);
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            var pixels = default(VBuffer<float>);
            long count = 0;
            while (cursor.MoveNext())
            {
                getter(ref pixels);
                count++;
            }
            seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds / count;
        }
        return 1 / seconds;
    }

    /// <summary>p50 and p99 of single-image PredictionEngine calls, in milliseconds, after 20 warm-up calls.</summary>
    public static (double P50, double P99) Latency<TOutput>(MLContext ml, ITransformer model, List<ImagePathRow> rows, int samples,
        Action<TOutput>? check = null)
        where TOutput : class, new()
    {
        var engine = ml.Model.CreatePredictionEngine<ImagePathRow, TOutput>(model);
        for (int i = 0; i < 20; i++)
            check?.Invoke(engine.Predict(rows[i % rows.Count]));
        var milliseconds = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            engine.Predict(rows[i % rows.Count]);
            milliseconds[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        return (Statistics.Median(milliseconds), Statistics.Percentile(milliseconds, 0.99));
    }

    private static (double P50, double P99) Latency(MLContext ml, ITransformer model, List<ImagePathRow> rows, int samples) =>
        Latency<ScorePrediction>(ml, model, rows, samples, p =>
        {
            if (p.Score.Length != 10)
                throw new InvalidOperationException($"Expected 10 scores; got {p.Score.Length}.");
        });
}
