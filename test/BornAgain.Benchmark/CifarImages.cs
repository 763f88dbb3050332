using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace BornAgain.Benchmark;

/// <summary>An image file and its class name: the row a user's app has.</summary>
public sealed class ImagePathRow
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}

/// <summary>The scoring output read by PredictionEngine.</summary>
public sealed class ScorePrediction
{
    public float[] Score { get; set; } = [];
}

/// <summary>The ONNX peer's output.</summary>
public sealed class OnnxPrediction
{
    [ColumnName("probabilities")]
    public float[] Probabilities { get; set; } = [];
}

/// <summary>The CIFAR-10 image folder (train/&lt;class&gt;/*.jpg, test/&lt;class&gt;/*.jpg) as rows and as tensors.</summary>
internal static class CifarImages
{
    public const int Size = 32;

    /// <summary>The first <paramref name="count"/> images of <paramref name="split"/>, classes interleaved (balanced prefix).</summary>
    public static List<ImagePathRow> Rows(string dataFolder, string split, int count)
    {
        var perClass = Directory.GetDirectories(Path.Combine(dataFolder, split)).OrderBy(d => d, StringComparer.Ordinal)
            .Select(d => Directory.GetFiles(d, "*.jpg").OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => new ImagePathRow { ImagePath = f, Label = Path.GetFileName(d) }).ToList())
            .ToList();
        var rows = new List<ImagePathRow>();
        for (int i = 0; rows.Count < count && perClass.Any(c => i < c.Count); i++)
        {
            foreach (var images in perClass)
            {
                if (i < images.Count && rows.Count < count)
                    rows.Add(images[i]);
            }
        }
        return rows;
    }

    /// <summary>
    /// Decodes the rows with ML.NET (LoadImages, ExtractPixels as channel-planar raw 0..255 values) into
    /// [N, 3, 32, 32] Float32 images and Int64 labels: the "pre-made tensors" of the raw loops.
    /// </summary>
    public static (Tensor Images, Tensor Labels) LoadTensors(MLContext ml, List<ImagePathRow> rows)
    {
        var classes = rows.Select(r => r.Label).Distinct().OrderBy(l => l, StringComparer.Ordinal).ToList();
        var pipeline = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImagePathRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", Size, Size))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", interleavePixelColors: false));
        var data = ml.Data.LoadFromEnumerable(rows);
        var pixels = pipeline.Fit(data).Transform(data).GetColumn<float[]>("Pixels").SelectMany(p => p).ToArray();
        var labels = rows.Select(r => (long)classes.IndexOf(r.Label)).ToArray();
        return (tensor(pixels, new long[] { rows.Count, 3, Size, Size }), tensor(labels));
    }
}
