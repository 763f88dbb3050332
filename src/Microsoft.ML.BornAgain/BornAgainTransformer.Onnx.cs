using Microsoft.ML.BornAgain.Onnx;

namespace Microsoft.ML.BornAgain;

public sealed partial class BornAgainTransformer
{
    /// <summary>
    /// Writes this transformer as an ONNX model (opset 17) that ONNX Runtime scores without LibTorch: the input
    /// normalization, the network of each of <see cref="ScoringGenerations"/>, softmax, the mean of their
    /// probabilities (BANE) and the predicted class, in one graph.
    /// </summary>
    /// <remarks>
    /// <para>Input <c>Image</c>: float32 <c>[N, C, H, W]</c>, any batch size N, C, H and W the network's input
    /// (for example [N, 3, 32, 32]). Pixels are raw, as the trainer saw them: for images loaded by ML.NET
    /// (<c>LoadImages</c>, <c>ResizeImages</c>, encoded bytes) that is planar R, G, B (or one BT.601 luma plane for a
    /// 1-channel model) with values 0..255, at the network's size; for a pixel-vector column, the vector's values in
    /// its [C, H, W] order. The model holds the per-channel normalization and applies it. ONNX Runtime rejects
    /// another element type or another C, H or W.</para>
    /// <para>Outputs: <c>Score</c>, float32 <c>[N, classes]</c>, the class probabilities (equal to this
    /// transformer's <c>Score</c> column); <c>PredictedLabel</c>, int64 <c>[N]</c>, the 0-based index of the most
    /// probable class in the order of the label's key values (ML.NET's key is this index + 1). The key values
    /// themselves are in the model's metadata <c>bornagain.labels</c>, one per line, when the label has them.</para>
    /// <para>Image decoding and resizing are not part of the model; the application does them before scoring.</para>
    /// </remarks>
    /// <param name="destination">A writable stream; it is left open.</param>
    /// <exception cref="ObjectDisposedException">The transformer is disposed.</exception>
    public void ExportToOnnx(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite)
            throw new ArgumentException("The destination stream is not writable.", nameof(destination));
        var onnx = BornAgainOnnxExport.Build(Model, _scoringGenerations, LabelValues);
        BornAgainOnnxExport.Write(onnx, destination);
    }

    /// <summary>
    /// Writes this transformer as an ONNX model file at <paramref name="path"/> (created or overwritten); see
    /// <see cref="ExportToOnnx(Stream)"/> for the model's inputs and outputs.
    /// </summary>
    /// <param name="path">The .onnx file to write.</param>
    /// <exception cref="ObjectDisposedException">The transformer is disposed.</exception>
    public void ExportToOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var onnx = BornAgainOnnxExport.Build(Model, _scoringGenerations, LabelValues);
        using var file = File.Create(path);
        BornAgainOnnxExport.Write(onnx, file);
    }

    private IReadOnlyList<string>? LabelValues => _labels.TypeName is null ? null : _labels.Values;
}
