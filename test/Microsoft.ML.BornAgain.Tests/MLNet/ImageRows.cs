using Microsoft.ML.BornAgain.Tests.Infrastructure;

namespace Microsoft.ML.BornAgain.Tests.MLNet;

/// <summary>A row as a user's app has it: an image path and a string label.</summary>
public sealed class ImagePathRow
{
    public string ImagePath { get; set; } = "";

    public string Label { get; set; } = "";

    public static List<ImagePathRow> Load(string split, int perClass) =>
        TestImages.Files(split, TestImages.ThreeClasses, perClass)
            .Select(f => new ImagePathRow { ImagePath = f.Path, Label = f.Label })
            .ToList();
}

/// <summary>A row holding the encoded image file bytes in a byte[] field.</summary>
public sealed class ImageBytesRow
{
    public byte[] Image { get; set; } = Array.Empty<byte>();

    public string Label { get; set; } = "";
}

/// <summary>The scoring output the README's example reads.</summary>
public sealed class ImagePrediction
{
    public float[] Score { get; set; } = Array.Empty<float>();

    public string PredictedLabel { get; set; } = "";
}
