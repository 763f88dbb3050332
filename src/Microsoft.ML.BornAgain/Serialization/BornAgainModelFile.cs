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
/// Binary format (format version 1), after <see cref="ModelFormat.WritePayloadHeader"/>:
/// <code>
/// string  image column, score column, predicted-label column
/// int     input channels, height, width, class count
/// float[] per-channel mean, per-channel standard deviation (channels values each)
/// string  label key value type ("" = none); then class-count strings when not ""
/// int     scoring generation count; that many ints
/// int     generation count; per generation:
///         string architecture (NetworkArchitecture.ToString()), long parameter count, byte[32] SHA-256 of its weights entry,
///         int epoch count; per epoch: int epoch, double training loss, double training accuracy,
///         bool has validation, [double validation loss, double validation accuracy], double learning rate, long duration ticks
/// entries Generation{g}.tsd: TorchSharp's Module.save format
/// </code>
/// Every count and size is checked against a bound before anything is allocated, so a damaged or hostile file
/// fails with <see cref="InvalidDataException"/> instead of exhausting memory.
/// </remarks>
internal static class BornAgainModelFile
{
    private const int MaxGenerations = BornAgainTrainingOptions.Defaults.MaxGenerations + 1;
    private const int MaxEpochs = 100_000;
    private const int MaxImageSide = 4096;

    // Creating a network allocates its parameters before any weight is read: bound what a file can ask for.
    // 2^30 float32 parameters (4 GiB) is far above any network this library builds for images.
    private const long MaxParameters = 1L << 30;

    public static void Save(ModelSaveContext ctx, SavedTransformer transformer)
    {
        ModelFormat.WritePayloadHeader(ctx);
        var w = ctx.Writer;
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

        var weights = model.Generations.Select(g => GenerationState.SaveWeights(g.Network)).ToList();
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

        for (int g = 0; g < model.Generations.Count; g++)
        {
            byte[] entry = weights[g];
            ModelFormat.SaveBlob(ctx, EntryName(g), stream => stream.Write(entry));
        }
    }

    public static SavedTransformer Load(ModelLoadContext ctx)
    {
        ModelFormat.ReadPayloadHeader(ctx);
        var r = ctx.Reader;
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

        var generations = new List<TrainedGeneration>();
        try
        {
            for (int g = 0; g < generationCount; g++)
            {
                var (architecture, parameters, hash, epochs) = descriptions[g];
                long actual = architecture.CountParameters(channels, classCount);
                if (actual != parameters)
                    throw Corrupt($"generation {g} ({architecture}) declares {parameters} parameters; the architecture has {actual}");
                if (actual > MaxParameters)
                    throw Corrupt($"generation {g} ({architecture}) has {actual} parameters; at most {MaxParameters} are accepted");
                var network = architecture.CreateNetwork(channels, classCount);
                generations.Add(new TrainedGeneration(g, architecture, network, epochs));
                ModelFormat.LoadBlob(ctx, EntryName(g), stream => LoadWeights(network, ReadCapped(stream, parameters, g), hash, g));
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
    /// Reads a weights entry into memory, refusing one much larger than the declared parameters need (float32 values
    /// plus TorchSharp's per-tensor names and shapes), so a hostile entry cannot make us read without bound.
    /// </summary>
    private static MemoryStream ReadCapped(Stream stream, long parameters, int generation)
    {
        long limit = 4 * parameters + 1_000_000;
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > limit)
                throw Corrupt($"the weights entry of generation {generation} is larger than its {parameters} parameters can need");
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        return buffer;
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
