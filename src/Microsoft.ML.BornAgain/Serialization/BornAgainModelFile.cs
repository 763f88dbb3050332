using System.Security.Cryptography;
using Microsoft.ML.BornAgain.MLNet;
using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Serialization;

/// <summary>
/// Writes and reads a Born-Again transformer (as a <see cref="SavedTransformer"/>) inside the ML.NET model zip: the settings in the
/// transformer's own entry, each generation's weights in an entry of its own.
/// </summary>
/// <remarks>
/// Binary format (format version 2), after <see cref="ModelFormat.WritePayloadHeader(ModelSaveContext)"/>:
/// <code>
/// byte[32] SHA-256 of the payload header's 8 bytes followed by every byte after this hash to the end of the model blob
/// string  image column, score column, predicted-label column
/// int     input channels, height, width, class count
/// float[] per-channel mean, per-channel standard deviation (channels values each)
/// string  label key value type ("" = none); then class-count strings when not ""
/// int     scoring generation count; that many ints
/// int     generation count; per generation:
///         string architecture (NetworkArchitecture.ToString()), long parameter count, byte[32] SHA-256 of its weights entry,
///         int epoch count; per epoch: int epoch, double training loss, double training accuracy,
///         bool has validation, [double validation loss, double validation accuracy], double learning rate, long duration ticks
/// (a newer format version may append fields here: they are covered by the hash and skipped)
/// entries Generation{g}.tsd: TorchSharp's Module.save format
/// </code>
/// Format version 1 (still read) is the same without the leading hash: only the weights entries were hashed.
/// <para>Every count and size is checked against a bound before anything is allocated, so a damaged or hostile file
/// fails with <see cref="InvalidDataException"/> instead of exhausting memory: the settings part is read whole (at most
/// <see cref="MaxSettingsBytes"/>) and hashed before any field is parsed; every architecture's parameter count is
/// computed with checked arithmetic and bounded per generation and in total before any network is built; each weights
/// entry is read up to the exact length its built network stores (parameters and buffers) and no further.</para>
/// <para>The hashes detect damage (a truncated download, a flipped bit), not tampering: whoever can change the file
/// can recompute them. Load model files only from sources you trust.</para>
/// </remarks>
internal static class BornAgainModelFile
{
    private const int MaxGenerations = BornAgainTrainingOptions.Defaults.MaxGenerations + 1;
    private const int MaxEpochs = 100_000;
    private const int MaxImageSide = 4096;

    // Creating a network allocates its parameters before any weight is read: bound what a file can ask for.
    // 2^28 float32 parameters (1 GiB, so a weights entry fits one .NET array) per generation and 2^30 (4 GiB) in all
    // are far above the networks of the papers (WRN-28-10: 36.5 million; DenseNetBC-190-40: 25.6 million).
    internal const long MaxParametersPerGeneration = 1L << 28;
    internal const long MaxParametersInTotal = 1L << 30;

    // The settings (names, normalization, labels, metrics): 100,000 labels of 160 bytes fit.
    internal const long MaxSettingsBytes = 16L << 20;

    public static void Save(ModelSaveContext ctx, SavedTransformer transformer) =>
        Save(ctx, transformer, ModelFormat.FormatVersion, ModelFormat.MinReaderVersion, appendFields: null);

    /// <summary>
    /// Writes the current layout under other version numbers, with fields appended after the settings: what an older
    /// writer (version 1: no settings hash) or a newer one (more fields) produces. For compatibility tests.
    /// </summary>
    internal static void Save(ModelSaveContext ctx, SavedTransformer transformer, int formatVersion, int minReaderVersion,
        Action<BinaryWriter>? appendFields)
    {
        ModelFormat.WritePayloadHeader(ctx, formatVersion, minReaderVersion);
        var weights = transformer.Model.Generations.Select(g => GenerationState.SaveWeights(g.Network)).ToList();
        using var settings = new MemoryStream();
        using (var writer = new BinaryWriter(settings, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            WriteSettings(writer, transformer, weights);
            appendFields?.Invoke(writer);
        }
        var bytes = settings.GetBuffer().AsSpan(0, (int)settings.Length);
        if (formatVersion >= 2)
            ctx.Writer.Write(SettingsHash(formatVersion, minReaderVersion, bytes));
        ctx.Writer.Write(bytes);

        for (int g = 0; g < weights.Count; g++)
        {
            byte[] entry = weights[g];
            ModelFormat.SaveBlob(ctx, EntryName(g), stream => stream.Write(entry));
        }
    }

    private static void WriteSettings(BinaryWriter w, SavedTransformer transformer, List<byte[]> weights)
    {
        var model = transformer.Model;
        w.Write(transformer.ImageColumnName);
        w.Write(transformer.ScoreColumnName);
        w.Write(transformer.PredictedLabelColumnName);
        w.Write(model.InputChannels);
        w.Write(model.InputHeight);
        w.Write(model.InputWidth);
        w.Write(model.ClassCount);
        foreach (float value in model.Normalization.Mean)
            w.Write(value);
        foreach (float value in model.Normalization.StandardDeviation)
            w.Write(value);

        var labels = transformer.Labels;
        w.Write(labels.TypeName ?? "");
        if (labels.TypeName is not null)
        {
            foreach (string value in labels.Values)
                w.Write(value);
        }

        w.Write(transformer.ScoringGenerations.Count);
        foreach (int g in transformer.ScoringGenerations)
            w.Write(g);

        w.Write(model.Generations.Count);
        for (int g = 0; g < model.Generations.Count; g++)
        {
            var generation = model.Generations[g];
            w.Write(generation.Architecture.ToString());
            w.Write(generation.ParameterCount);
            w.Write(SHA256.HashData(weights[g]));
            w.Write(generation.Epochs.Count);
            foreach (var epoch in generation.Epochs)
                WriteEpoch(w, epoch);
        }
    }

    /// <summary>SHA-256 of the payload header (both versions, little-endian) followed by the settings.</summary>
    private static byte[] SettingsHash(int formatVersion, int minReaderVersion, ReadOnlySpan<byte> settings)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[8];
        BitConverter.TryWriteBytes(header, formatVersion);
        BitConverter.TryWriteBytes(header[4..], minReaderVersion);
        hash.AppendData(header);
        hash.AppendData(settings);
        return hash.GetHashAndReset();
    }

    /// <summary>
    /// Reads our whole part of the entry (bounded), checks its hash (format version 2 and later) and returns a reader
    /// over the settings; ML.NET's reader is left at the end of the blob, past any field a newer writer appended.
    /// </summary>
    private static BinaryReader ReadSettings(ModelLoadContext ctx, out int formatVersion)
    {
        formatVersion = ModelFormat.ReadPayloadHeader(ctx, out int minReaderVersion);
        var part = ModelPart.ReadToEnd(ctx, MaxSettingsBytes);
        if (formatVersion < 2)
            return new BinaryReader(new MemoryStream(part, writable: false));
        if (part.Length < SHA256.HashSizeInBytes)
            throw Corrupt($"its settings end after {part.Length} bytes, before their {SHA256.HashSizeInBytes}-byte SHA-256");
        var settings = part.AsSpan(SHA256.HashSizeInBytes);
        if (!SettingsHash(formatVersion, minReaderVersion, settings).AsSpan().SequenceEqual(part.AsSpan(0, SHA256.HashSizeInBytes)))
            throw Corrupt("its settings (columns, normalization, labels, scoring generations, architectures, metrics) fail their SHA-256 check (the file was changed or damaged)");
        return new BinaryReader(new MemoryStream(part, SHA256.HashSizeInBytes, part.Length - SHA256.HashSizeInBytes, writable: false));
    }

    public static SavedTransformer Load(ModelLoadContext ctx)
    {
        using var r = ReadSettings(ctx, out int formatVersion);
        try
        {
            return Load(ctx, r, formatVersion);
        }
        catch (EndOfStreamException)
        {
            // No inner exception: users read ML.NET's wrapped error through GetBaseException.
            throw Corrupt("its settings end early");
        }
    }

    private static SavedTransformer Load(ModelLoadContext ctx, BinaryReader r, int formatVersion)
    {
        string imageColumn = r.ReadString(), scoreColumn = r.ReadString(), predictedLabelColumn = r.ReadString();
        int channels = ReadInRange(r, 1, 3, "input channels");
        if (channels == 2)
            throw Corrupt("input channels must be 1 or 3, found 2");
        int height = ReadInRange(r, 8, MaxImageSide, "input height");
        int width = ReadInRange(r, 8, MaxImageSide, "input width");
        int classCount = ReadInRange(r, 2, LabelColumnBinding.MaxClasses, "class count");
        var mean = ReadFloats(r, channels);
        var std = ReadFloats(r, channels);

        string typeName = r.ReadString();
        var values = typeName.Length == 0 ? Array.Empty<string>() : Enumerable.Range(0, classCount).Select(_ => r.ReadString()).ToArray();
        var labels = LabelKeyValues.FromSaved(classCount, typeName.Length == 0 ? null : typeName, values);

        int scoringCount = ReadInRange(r, 1, MaxGenerations, "scoring generation count");
        var scoring = Enumerable.Range(0, scoringCount).Select(_ => r.ReadInt32()).ToArray();

        int generationCount = ReadInRange(r, 1, MaxGenerations, "generation count");
        var descriptions = new List<(NetworkArchitecture Architecture, long Parameters, byte[] Hash, List<EpochMetrics> Epochs)>();
        for (int g = 0; g < generationCount; g++)
        {
            var architecture = ParseArchitecture(r.ReadString(), g);
            long parameters = r.ReadInt64();
            byte[] hash = r.ReadBytes(SHA256.HashSizeInBytes);
            int epochCount = ReadInRange(r, 0, MaxEpochs, "epoch count");
            var epochs = Enumerable.Range(0, epochCount).Select(_ => ReadEpoch(r, g)).ToList();
            descriptions.Add((architecture, parameters, hash, epochs));
        }
        if (r.BaseStream.Position != r.BaseStream.Length && formatVersion <= ModelFormat.SupportedVersion)
            throw Corrupt($"{r.BaseStream.Length - r.BaseStream.Position} unexpected bytes follow its settings");

        // Every size is known before the first network is built: check them all, in checked arithmetic.
        long total = 0;
        for (int g = 0; g < generationCount; g++)
        {
            var (architecture, parameters, _, _) = descriptions[g];
            long actual = CountParameters(architecture, channels, classCount, g);
            if (actual > MaxParametersPerGeneration)
                throw Corrupt($"generation {g} ({architecture}) has {actual} parameters; at most {MaxParametersPerGeneration} are accepted per generation");
            total += actual; // both at most 2^30: no overflow
            if (total > MaxParametersInTotal)
                throw Corrupt($"generations 0 to {g} have {total} parameters together; at most {MaxParametersInTotal} are accepted in all");
        }
        for (int g = 0; g < generationCount; g++)
        {
            var (architecture, parameters, _, _) = descriptions[g];
            long actual = architecture.CountParameters(channels, classCount);
            if (actual != parameters)
                throw Corrupt($"generation {g} ({architecture}) declares {parameters} parameters; the architecture has {actual}");
        }

        var generations = new List<TrainedGeneration>();
        try
        {
            for (int g = 0; g < generationCount; g++)
            {
                var (architecture, _, hash, epochs) = descriptions[g];
                var network = architecture.CreateNetwork(channels, classCount);
                generations.Add(new TrainedGeneration(g, architecture, network, epochs));
                long entryBytes = StateDictSize.Of(network);
                ModelFormat.LoadBlob(ctx, EntryName(g), stream => LoadWeights(network, ReadCapped(stream, entryBytes, g), hash, g));
            }
            var model = new BornAgainModel(generations, new ChannelNormalization(mean, std), channels, height, width, classCount, CPU);
            return new SavedTransformer(model, labels, new ImageShape(channels, height, width), imageColumn, scoreColumn,
                predictedLabelColumn, scoring);
        }
        catch
        {
            foreach (var generation in generations)
                generation.Network.Dispose();
            throw;
        }
    }

    internal static string EntryName(int generation) => $"Generation{generation}.tsd";

    private static void LoadWeights(nn.Module<Tensor, Tensor> network, MemoryStream blob, byte[] expectedHash, int generation)
    {
        var bytes = blob.GetBuffer().AsSpan(0, (int)blob.Length);
        if (!SHA256.HashData(bytes).AsSpan().SequenceEqual(expectedHash))
            throw Corrupt($"the weights entry of generation {generation} fails its SHA-256 check (the file was changed or damaged)");
        StateDictValidator.Validate(bytes, network, generation);
        try
        {
            network.load(blob, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or EndOfStreamException or IOException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException(
                $"The weights of generation {generation} in the model file are damaged or do not match its architecture: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads a weights entry into memory, refusing one longer than the <paramref name="limit"/> its built network
    /// stores (<see cref="StateDictSize"/>: parameters and buffers, names and shapes), so a hostile entry cannot make
    /// us read without bound while a large real network (DenseNetBC-190-40, with its batch-norm statistics) loads.
    /// </summary>
    private static MemoryStream ReadCapped(Stream stream, long limit, int generation)
    {
        var buffer = new MemoryStream(checked((int)Math.Min(limit, Array.MaxLength)));
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > limit)
                throw Corrupt($"the weights entry of generation {generation} is longer than the {limit} bytes its architecture stores (parameters and buffers)");
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        return buffer;
    }

    private static long CountParameters(NetworkArchitecture architecture, int channels, int classCount, int generation)
    {
        try
        {
            return architecture.CountParameters(channels, classCount);
        }
        catch (OverflowException)
        {
            // No inner exception: users read ML.NET's wrapped error through GetBaseException.
            throw Corrupt($"generation {generation} ({architecture}) has more parameters than a 64-bit count holds; at most {MaxParametersPerGeneration} are accepted per generation");
        }
    }

    private static void WriteEpoch(BinaryWriter w, EpochMetrics m)
    {
        w.Write(m.Epoch);
        w.Write(m.TrainingLoss);
        w.Write(m.TrainingAccuracy);
        w.Write(m.ValidationLoss.HasValue);
        if (m.ValidationLoss.HasValue)
        {
            w.Write(m.ValidationLoss.Value);
            w.Write(m.ValidationAccuracy ?? double.NaN);
        }
        w.Write(m.LearningRate);
        w.Write(m.Duration.Ticks);
    }

    private static EpochMetrics ReadEpoch(BinaryReader r, int generation)
    {
        int epoch = r.ReadInt32();
        double loss = r.ReadDouble(), accuracy = r.ReadDouble();
        double? validationLoss = null, validationAccuracy = null;
        if (r.ReadBoolean())
        {
            validationLoss = r.ReadDouble();
            validationAccuracy = r.ReadDouble();
        }
        double learningRate = r.ReadDouble();
        long ticks = r.ReadInt64();
        if (ticks < 0)
            throw Corrupt($"generation {generation} epoch {epoch} has a negative duration");
        return new EpochMetrics(generation, epoch, loss, accuracy, validationLoss, validationAccuracy, learningRate, TimeSpan.FromTicks(ticks));
    }

    private static NetworkArchitecture ParseArchitecture(string name, int generation)
    {
        try
        {
            return NetworkArchitecture.Parse(name);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new InvalidDataException($"The model file's generation {generation} has an unknown architecture '{name}'.", e);
        }
    }

    private static int ReadInRange(BinaryReader r, int min, int max, string what)
    {
        int value = r.ReadInt32();
        if (value < min || value > max)
            throw Corrupt($"{what} must be in [{min}, {max}], found {value}");
        return value;
    }

    private static float[] ReadFloats(BinaryReader r, int count) => Enumerable.Range(0, count).Select(_ => r.ReadSingle()).ToArray();

    private static InvalidDataException Corrupt(string problem) =>
        new($"The Born-Again model in this file is damaged: {problem}.");
}
