namespace BornAgain.Service;

/// <summary>
/// The served model: a model.zip scored by ML.NET and TorchSharp (<see cref="ZipModelScorer"/>) or an exported .onnx
/// scored by ONNX Runtime (<see cref="OnnxModelScorer"/>). Both answer the same <see cref="PredictionResult"/>.
/// </summary>
public interface IModelScorer : IDisposable
{
    /// <summary>The full path of the served model file (for the start-up log; never sent to clients).</summary>
    string ModelPath { get; }

    /// <summary>The class labels in score order.</summary>
    IReadOnlyList<string> Labels { get; }

    /// <summary>The generations that score.</summary>
    IReadOnlyList<GenerationInfo> Generations { get; }

    /// <summary>Scores one encoded image (PNG, JPEG, GIF, BMP or WebP bytes).</summary>
    /// <param name="encoded">The image file's bytes.</param>
    /// <param name="cancellation">Cancels the wait for a free scoring slot, and the scoring if it has not started.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled first.</exception>
    /// <exception cref="InvalidDataException">The bytes are not a decodable image (the client's fault).</exception>
    PredictionResult Predict(byte[] encoded, CancellationToken cancellation = default);
}
