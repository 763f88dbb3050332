using Microsoft.ML.BornAgain.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>Scores decoded images with the chosen generations: one forward pass per batch, probabilities out.</summary>
internal sealed class ImageScorer
{
    private readonly BornAgainModel _model;
    private readonly ImageShape _shape;
    private readonly int[] _generations;

    public ImageScorer(BornAgainModel model, ImageShape shape, int[] generations)
    {
        _model = model;
        _shape = shape;
        _generations = generations;
    }

    public int ClassCount => _model.ClassCount;

    /// <summary>The trained model scored with.</summary>
    public BornAgainModel Model => _model;

    /// <summary>The generations whose probabilities are averaged.</summary>
    public IReadOnlyList<int> Generations => _generations;

    /// <summary>Class probabilities of <paramref name="images"/>, row-major [images, classes], into <paramref name="destination"/>.</summary>
    public void Score(ReadOnlySpan<DecodedImage> images, Span<float> destination)
    {
        var pixels = new float[images.Length * _shape.PixelCount];
        for (int i = 0; i < images.Length; i++)
            NetworkInputConverter.Write(images[i], _shape, pixels.AsSpan(i * _shape.PixelCount, _shape.PixelCount));

        using var scope = NewDisposeScope();
        var batch = tensor(pixels, new long[] { images.Length, _shape.Channels, _shape.Height, _shape.Width });
        var probabilities = _model.PredictProbabilities(batch, _generations); // [B, classes] on the CPU
        probabilities.contiguous().data<float>().CopyTo(destination);
    }
}
