using Microsoft.ML.BornAgain.Serialization;

namespace Microsoft.ML.BornAgain;

/// <summary>
/// Loads a model zip that may come from someone else. <c>mlContext.Model.Load</c> alone trusts the zip: it extracts
/// each entry it opens to a temporary file without a size cap, and loads the assembly and class each entry's header
/// names, before any check of this library runs. <see cref="Load(MLContext, string, out DataViewSchema)"/> first
/// checks the zip, streaming each entry (entry names, entry and total sizes, compression ratios, the data against its
/// declared sizes, and that every loader assembly is ML.NET's or this library's), then hands the same open file to
/// ML.NET, whose Born-Again loader checks its own part (sizes bounded before allocation, hashes, shapes).
/// </summary>
/// <remarks>
/// This bounds what a damaged or hostile file can cost; it does not make a file trustworthy: a model file's hashes
/// detect damage, not tampering, and a model from an untrusted source can still predict whatever its author wants.
/// </remarks>
public static class UntrustedModel
{
    /// <summary>Checks, then loads, the model zip at <paramref name="path"/>.</summary>
    /// <param name="mlContext">The ML.NET context to load with.</param>
    /// <param name="path">The model zip.</param>
    /// <param name="inputSchema">The input schema saved with the model.</param>
    /// <returns>The loaded model, as <c>mlContext.Model.Load</c> returns it.</returns>
    /// <exception cref="InvalidDataException">The zip was refused by the check (the message names the entry and the limit).</exception>
    public static ITransformer Load(MLContext mlContext, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrEmpty(path);
        // One open file for the check and the load; FileShare.Read keeps writers out in between.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        ModelZipCheck.Check(stream, $"'{Path.GetFullPath(path)}'");
        return mlContext.Model.Load(stream, out inputSchema);
    }

    /// <summary>Checks, then loads, the model zip in <paramref name="stream"/> (seekable).</summary>
    /// <param name="mlContext">The ML.NET context to load with.</param>
    /// <param name="stream">The model zip, positioned at its start.</param>
    /// <param name="inputSchema">The input schema saved with the model.</param>
    /// <returns>The loaded model, as <c>mlContext.Model.Load</c> returns it.</returns>
    /// <exception cref="InvalidDataException">The zip was refused by the check (the message names the entry and the limit).</exception>
    public static ITransformer Load(MLContext mlContext, Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
            throw new ArgumentException("The model stream must be seekable: it is read twice (the check, then ML.NET).", nameof(stream));
        ModelZipCheck.Check(stream, "in the stream");
        return mlContext.Model.Load(stream, out inputSchema);
    }
}
