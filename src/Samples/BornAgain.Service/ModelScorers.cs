namespace BornAgain.Service;

/// <summary>Loads the configured model file with the scorer its kind needs: <c>.onnx</c> or an ML.NET model.zip.</summary>
public static class ModelScorers
{
    /// <summary>
    /// Loads <paramref name="path"/>: a file ending in <c>.onnx</c> is scored by ONNX Runtime and never loads LibTorch;
    /// anything else is read as an ML.NET model.zip. Any failure is a <see cref="ModelLoadException"/> naming the file.
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <param name="maxConcurrent">The most images scored at once; at least 1. Default: the processor count.</param>
    /// <param name="maxImagePixels">Larger images (width x height, from their header) are refused undecoded.</param>
    public static IModelScorer Load(string path, int? maxConcurrent = null, long? maxImagePixels = null) =>
        IsOnnx(path)
            ? OnnxModelScorer.Load(path, maxConcurrent, maxImagePixels)
            : ZipModelScorer.Load(path, maxConcurrent, maxImagePixels);

    /// <summary>
    /// The intra-op threads one scoring may use: the cores shared out among the requests scored at once, so that a
    /// burst of requests does not run more compute threads than there are cores (which starves everything else,
    /// the health checks included). A single request on an idle service gets no more than its share either.
    /// </summary>
    internal static int ThreadsPerScoring(int maxConcurrent) => Math.Max(1, Environment.ProcessorCount / Math.Max(1, maxConcurrent));

    /// <summary>Whether <paramref name="path"/> names an ONNX model (by its extension, as ONNX tools name them).</summary>
    public static bool IsOnnx(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>The full path of an existing model file, or a <see cref="ModelLoadException"/> saying what is missing.</summary>
    internal static string ExistingFile(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ModelLoadException("No model configured: set Model:Path (appsettings.json, environment Model__Path) or pass " +
                "--model <model.zip or model.onnx>.");
        }
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new ModelLoadException($"Model file '{fullPath}' does not exist (Model:Path or --model).");
        return fullPath;
    }
}
