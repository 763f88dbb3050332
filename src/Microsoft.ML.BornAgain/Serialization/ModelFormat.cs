using System.Reflection;

namespace Microsoft.ML.BornAgain.Serialization;

/// <summary>
/// How the Born-Again transformer is laid out inside an ML.NET model zip
/// (design: docs/design.md).
/// <list type="bullet">
/// <item>ML.NET's own header (<see cref="VersionInfo"/>) is frozen at <see cref="FrozenHeaderVersion"/> forever:
/// when it rejects a model, its message names the ML.NET version, which would mislead our users.</item>
/// <item>Our payload starts with <c>int FormatVersion, int MinReaderVersion</c>; we check those ourselves and
/// name our package in the error.</item>
/// <item>Large binary state (network weights) goes to its own zip entries through <see cref="SaveBlob"/>.</item>
/// </list>
/// </summary>
internal static class ModelFormat
{
    /// <summary>Finds our loader in <c>[assembly: LoadableClass]</c>. Stored in every saved model: never change.</summary>
    public const string LoaderSignature = "BornAgainTransformer";

    /// <summary>ML.NET's 8-character model signature, checked on load. Never change.</summary>
    public const string ModelSignature = "BORNAGAN";

    /// <summary>All three versions of ML.NET's header (written, readable, read-back). Never change.</summary>
    public const uint FrozenHeaderVersion = 0x00010001;

    /// <summary>
    /// Layout version this build writes. Bump when fields are added. Version 2 added a SHA-256 of the whole part right
    /// after this header (version 1 hashed only the weights entries).
    /// </summary>
    public const int FormatVersion = 2;

    /// <summary>
    /// Oldest reader that can read what this build writes. Bump only for layouts old readers misread: version 1
    /// readers would read version 2's hash as the image column's name, so they are told to upgrade instead.
    /// </summary>
    public const int MinReaderVersion = 2;

    /// <summary>Newest layout this build reads.</summary>
    public const int SupportedVersion = 2;

    /// <summary>Oldest layout this build still reads.</summary>
    public const int OldestReadableVersion = 1;

    /// <summary>The NuGet package users must upgrade when a model is too new for them.</summary>
    public const string PackageName = "BornAgain.ML";

    /// <summary>
    /// The loader assembly's SIMPLE name: ML.NET calls <c>Assembly.Load</c> with it when loading a model. A full name
    /// would pin the library version and make a model saved by a newer library unloadable by an older one before our
    /// own, clearer version check could run.
    /// </summary>
    public static string LoaderAssemblyName { get; } = typeof(ModelFormat).Assembly.GetName().Name!;

    /// <summary>ML.NET's header for our entry: frozen versions, our signatures and the loader assembly.</summary>
    public static VersionInfo GetVersionInfo() => new(
        ModelSignature,
        FrozenHeaderVersion,
        FrozenHeaderVersion,
        FrozenHeaderVersion,
        loaderAssemblyName: LoaderAssemblyName,
        loaderSignature: LoaderSignature);

    /// <summary>
    /// Starts our entry: stamps ML.NET's header (<see cref="GetVersionInfo"/>), then writes
    /// <see cref="FormatVersion"/> and <see cref="MinReaderVersion"/>. The caller writes its fields next.
    /// </summary>
    public static void WritePayloadHeader(ModelSaveContext ctx) => WritePayloadHeader(ctx, FormatVersion, MinReaderVersion);

    /// <summary>
    /// <see cref="WritePayloadHeader(ModelSaveContext)"/> with other version numbers: for compatibility tests that
    /// write what an older or newer writer would.
    /// </summary>
    internal static void WritePayloadHeader(ModelSaveContext ctx, int formatVersion, int minReaderVersion)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.Writer.Write(formatVersion);
        ctx.Writer.Write(minReaderVersion);
    }

    /// <summary>
    /// Checks ML.NET's header and our payload header, and returns the model's format version, so that the caller
    /// can read optional fields conditionally.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model needs a newer (or is too old for this) BornAgain.</exception>
    public static int ReadPayloadHeader(ModelLoadContext ctx) => ReadPayloadHeader(ctx, out _);

    /// <summary>
    /// <see cref="ReadPayloadHeader(ModelLoadContext)"/>, also returning the <paramref name="minReaderVersion"/> read
    /// (a hash over the part covers both versions).
    /// </summary>
    public static int ReadPayloadHeader(ModelLoadContext ctx, out int minReaderVersion)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.CheckAtModel(GetVersionInfo());
        int formatVersion = ctx.Reader.ReadInt32();
        minReaderVersion = ctx.Reader.ReadInt32();
        CheckReadable(formatVersion, minReaderVersion);
        return formatVersion;
    }

    /// <summary>
    /// Throws when this build cannot read a payload with the given versions. The message is self-contained, because
    /// ML.NET wraps it (TargetInvocationException, "Error during class instantiation"); users see it through
    /// <see cref="Exception.GetBaseException"/>.
    /// </summary>
    public static void CheckReadable(int formatVersion, int minReaderVersion)
    {
        if (minReaderVersion > SupportedVersion)
        {
            throw new InvalidOperationException(
                $"This model was saved by a newer {PackageName} (model format version {formatVersion}, readable from " +
                $"version {minReaderVersion}), but {PackageName} {LibraryVersion} reads format versions up to " +
                $"{SupportedVersion}. Upgrade the {PackageName} package in the application that loads the model.");
        }

        if (formatVersion < OldestReadableVersion)
        {
            throw new InvalidOperationException(
                $"This model was saved by an older {PackageName} (model format version {formatVersion}), but " +
                $"{PackageName} {LibraryVersion} reads format versions {OldestReadableVersion} to {SupportedVersion}. " +
                $"Load and save it again with an older {PackageName}, or retrain it.");
        }
    }

    /// <summary>Writes a zip entry of our own, named <paramref name="entryName"/>, in the model's directory.</summary>
    public static void SaveBlob(ModelSaveContext ctx, string entryName, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentException.ThrowIfNullOrWhiteSpace(entryName);
        ArgumentNullException.ThrowIfNull(write);
        ctx.SaveBinaryStream(entryName, writer =>
        {
            writer.Flush();
            write(writer.BaseStream);
        });
    }

    /// <summary>Reads a zip entry written by <see cref="SaveBlob"/>.</summary>
    /// <exception cref="InvalidDataException">The model has no such entry.</exception>
    public static void LoadBlob(ModelLoadContext ctx, string entryName, Action<Stream> read)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentException.ThrowIfNullOrWhiteSpace(entryName);
        ArgumentNullException.ThrowIfNull(read);
        if (!ctx.TryLoadBinaryStream(entryName, reader => read(reader.BaseStream)))
        {
            throw new InvalidDataException(
                $"The model file has no entry '{ctx.Directory}/{entryName}' (written by {PackageName}); the file " +
                "is incomplete or was not saved by this transformer.");
        }
    }

    private static string LibraryVersion =>
        typeof(ModelFormat).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ModelFormat).Assembly.GetName().Version?.ToString()
        ?? "(unknown version)";
}
