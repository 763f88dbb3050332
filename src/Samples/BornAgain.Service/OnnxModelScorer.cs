using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace BornAgain.Service;

/// <summary>
/// A model exported by <c>BornAgainTransformer.ExportToOnnx</c>, scored by ONNX Runtime: no ML.NET pipeline and no
/// LibTorch. The file is read once, checked by <see cref="OnnxModelContract"/> and the same bytes are given to ONNX
/// Runtime; the classes and generations come from the file's metadata. An upload is prepared as the model.zip's
/// transformer prepares it (<see cref="OnnxImageInput"/>), so both kinds of model give the same answers.
/// One <see cref="InferenceSession"/> serves every request (its Run is thread-safe); at most <c>maxConcurrent</c>
/// images are scored at once, the rest wait (cancellably), as with the zip scorer's engine pool.
/// </summary>
public sealed class OnnxModelScorer : IModelScorer
{
    private readonly InferenceSession _session;
    private readonly OnnxModelContract _contract;
    private readonly SemaphoreSlim _slots;
    private readonly long _maxImagePixels;

    private OnnxModelScorer(string path, InferenceSession session, OnnxModelContract contract, int maxConcurrent, long maxImagePixels)
    {
        ModelPath = path;
        _session = session;
        _contract = contract;
        _slots = new SemaphoreSlim(maxConcurrent, maxConcurrent);
        _maxImagePixels = maxImagePixels;
        MaxConcurrent = maxConcurrent;
    }

    /// <inheritdoc/>
    public string ModelPath { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> Labels => _contract.Labels;

    /// <inheritdoc/>
    public IReadOnlyList<GenerationInfo> Generations => _contract.Generations;

    /// <summary>The most images scored at once.</summary>
    public int MaxConcurrent { get; }

    /// <summary>Loads and checks <paramref name="path"/>, then scores a blank image once so a model that cannot run fails here.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="maxConcurrent">The most images scored at once; at least 1. Default: the processor count.</param>
    /// <param name="maxImagePixels">Larger uploads (from their header) are refused undecoded. Default 4096 x 4096.</param>
    public static OnnxModelScorer Load(string path, int? maxConcurrent = null, long? maxImagePixels = null)
    {
        var fullPath = ModelScorers.ExistingFile(path);
        long length = new FileInfo(fullPath).Length;
        if (length > OnnxModelContract.MaxFileBytes)
        {
            throw new ModelLoadException($"Model file '{fullPath}' is {length} bytes; an ONNX model (one protobuf message) is at most " +
                $"{OnnxModelContract.MaxFileBytes} bytes.");
        }
        byte[] bytes = File.ReadAllBytes(fullPath);
        var contract = OnnxModelContract.Read(bytes, fullPath);

        InferenceSession session;
        try
        {
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                IntraOpNumThreads = ModelScorers.ThreadsPerScoring(maxConcurrent ?? Environment.ProcessorCount),
            };
            session = new InferenceSession(bytes, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelLoadException($"Model file '{fullPath}' was refused by ONNX Runtime: {e.Message}", e);
        }

        var scorer = new OnnxModelScorer(fullPath, session, contract, Math.Max(1, maxConcurrent ?? Environment.ProcessorCount),
            maxImagePixels ?? 4096L * 4096);
        try
        {
            var blank = scorer.Score(new float[contract.Channels * contract.Height * contract.Width]);
            if (blank.Any(p => !float.IsFinite(p)))
                throw new InvalidDataException("a blank image scored non-finite probabilities");
            return scorer;
        }
        catch (Exception e) when (e is OnnxRuntimeException or InvalidDataException or InvalidOperationException)
        {
            scorer.Dispose();
            throw new ModelLoadException($"Model file '{fullPath}' loaded, but cannot score images: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public PredictionResult Predict(byte[] encoded, CancellationToken cancellation = default)
    {
        var pixels = new float[_contract.Channels * _contract.Height * _contract.Width];
        OnnxImageInput.Write(encoded, _contract.Channels, _contract.Height, _contract.Width, _maxImagePixels, pixels);
        _slots.Wait(cancellation);
        float[] scores;
        try
        {
            cancellation.ThrowIfCancellationRequested();
            scores = Score(pixels);
        }
        finally
        {
            _slots.Release();
        }
        return PredictionResult.From(scores, Labels, Generations);
    }

    public void Dispose()
    {
        _session.Dispose();
        _slots.Dispose();
    }

    /// <summary>The class probabilities of one prepared image.</summary>
    private float[] Score(float[] pixels)
    {
        var input = new DenseTensor<float>(pixels, [1, _contract.Channels, _contract.Height, _contract.Width]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_contract.InputName, input)], [OnnxModelContract.ScoreName]);
        var scores = results.Single().AsTensor<float>();
        if (scores.Dimensions.Length != 2 || scores.Dimensions[0] != 1 || scores.Dimensions[1] != Labels.Count)
        {
            throw new InvalidOperationException($"The model's '{OnnxModelContract.ScoreName}' is [{string.Join(", ", scores.Dimensions.ToArray())}] " +
                $"for one image; expected [1, {Labels.Count}].");
        }
        return scores.ToArray();
    }
}
