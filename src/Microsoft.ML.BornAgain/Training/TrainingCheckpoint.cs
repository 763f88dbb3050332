using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.BornAgain.Networks;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Everything needed to resume Born-Again training exactly where it stopped: the finished generations, and the
/// generation in progress at an epoch boundary (weights, optimizer momentum, both random generators, metrics).
/// Written atomically after every epoch to <see cref="FileName"/> in the checkpoint directory.
/// </summary>
/// <remarks>
/// Binary format: "BACKPT01", string fingerprint, int finished count; per finished generation: string architecture,
/// metrics, byte[] weights; bool in progress; then int generation, string architecture, metrics, byte[] weights,
/// byte[] optimizer state, byte[] data generator state, byte[] global generator state. Metrics: int count, then per
/// epoch the fields of <see cref="EpochMetrics"/>. Byte arrays: int length then bytes.
/// </remarks>
internal sealed class TrainingCheckpoint
{
    public const string FileName = "bornagain-checkpoint.bin";
    private const string Magic = "BACKPT01";
    private const int MaxBlobBytes = int.MaxValue - 64;

    public sealed record Finished(NetworkArchitecture Architecture, IReadOnlyList<EpochMetrics> Epochs, byte[] Weights);

    public sealed record InProgress(int Generation, NetworkArchitecture Architecture, IReadOnlyList<EpochMetrics> Epochs,
        byte[] Weights, byte[] OptimizerState, byte[] DataGeneratorState, byte[] GlobalGeneratorState);

    public TrainingCheckpoint(string fingerprint, IReadOnlyList<Finished> finished, InProgress? current)
    {
        Fingerprint = fingerprint;
        FinishedGenerations = finished;
        Current = current;
    }

    public string Fingerprint { get; }

    public IReadOnlyList<Finished> FinishedGenerations { get; }

    public InProgress? Current { get; }

    /// <summary>
    /// A hash of everything that decides the trained weights: the options that shape training and the training data
    /// itself. Resuming with a checkpoint written for anything else would silently train another model.
    /// </summary>
    public static string ComputeFingerprint(BornAgainTrainingOptions o, ImageTensorDataset train, long seed)
    {
        var settings = string.Join("|",
            o.Generations, o.EpochsPerGeneration, string.Join(",", Enumerable.Range(0, o.Generations + 1).Select(o.ArchitectureOf)),
            o.Loss, o.LabelWeight.ToString("R"), o.Temperature.ToString("R"), o.TeacherLabelSmoothing.ToString("R"),
            o.BatchSize, o.LearningRate.ToString("R"), o.Momentum.ToString("R"), o.Nesterov, o.WeightDecay.ToString("R"),
            o.Schedule, o.StepDecayFactor.ToString("R"), o.RandomCropPadding, o.HorizontalFlip, seed,
            train.Count, train.Channels, train.Height, train.Width, train.ClassCount);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(settings));
        hash.AppendData(train.Images.contiguous().bytes);
        hash.AppendData(train.Labels.contiguous().bytes);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>Reads the checkpoint in <paramref name="directory"/>, or returns null when there is none.</summary>
    public static TrainingCheckpoint? TryRead(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            return null;
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length)) != Magic)
                throw new InvalidDataException("it does not start with the checkpoint signature");
            string fingerprint = reader.ReadString();
            int finishedCount = ReadCount(reader, BornAgainTrainingOptions.Defaults.MaxGenerations + 1);
            var finished = new List<Finished>();
            for (int i = 0; i < finishedCount; i++)
                finished.Add(new Finished(NetworkArchitecture.Parse(reader.ReadString()), ReadMetrics(reader), ReadBlob(reader)));
            InProgress? current = null;
            if (reader.ReadBoolean())
            {
                current = new InProgress(reader.ReadInt32(), NetworkArchitecture.Parse(reader.ReadString()), ReadMetrics(reader),
                    ReadBlob(reader), ReadBlob(reader), ReadBlob(reader), ReadBlob(reader));
            }
            return new TrainingCheckpoint(fingerprint, finished, current);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or InvalidDataException or ArgumentException)
        {
            throw new InvalidDataException($"The checkpoint '{path}' is damaged ({e.Message}); delete it to start training again.", e);
        }
    }

    /// <summary>Writes the checkpoint atomically: a temporary file, flushed to disk, then renamed over the old one.</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Encoding.ASCII.GetBytes(Magic));
                writer.Write(Fingerprint);
                writer.Write(FinishedGenerations.Count);
                foreach (var generation in FinishedGenerations)
                {
                    writer.Write(generation.Architecture.ToString());
                    WriteMetrics(writer, generation.Epochs);
                    WriteBlob(writer, generation.Weights);
                }
                writer.Write(Current is not null);
                if (Current is { } c)
                {
                    writer.Write(c.Generation);
                    writer.Write(c.Architecture.ToString());
                    WriteMetrics(writer, c.Epochs);
                    WriteBlob(writer, c.Weights);
                    WriteBlob(writer, c.OptimizerState);
                    WriteBlob(writer, c.DataGeneratorState);
                    WriteBlob(writer, c.GlobalGeneratorState);
                }
            }
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static void WriteMetrics(BinaryWriter w, IReadOnlyList<EpochMetrics> epochs)
    {
        w.Write(epochs.Count);
        foreach (var m in epochs)
        {
            w.Write(m.Generation);
            w.Write(m.Epoch);
            w.Write(m.TrainingLoss);
            w.Write(m.TrainingAccuracy);
            w.Write(m.ValidationLoss ?? double.NaN);
            w.Write(m.ValidationAccuracy ?? double.NaN);
            w.Write(m.LearningRate);
            w.Write(m.Duration.Ticks);
        }
    }

    private static List<EpochMetrics> ReadMetrics(BinaryReader r)
    {
        int count = ReadCount(r, 1_000_000);
        var epochs = new List<EpochMetrics>(count);
        for (int i = 0; i < count; i++)
        {
            int generation = r.ReadInt32(), epoch = r.ReadInt32();
            double loss = r.ReadDouble(), accuracy = r.ReadDouble(), validationLoss = r.ReadDouble(), validationAccuracy = r.ReadDouble();
            double learningRate = r.ReadDouble();
            long ticks = r.ReadInt64();
            epochs.Add(new EpochMetrics(generation, epoch, loss, accuracy,
                double.IsNaN(validationLoss) ? null : validationLoss, double.IsNaN(validationAccuracy) ? null : validationAccuracy,
                learningRate, TimeSpan.FromTicks(Math.Max(0, ticks))));
        }
        return epochs;
    }

    private static void WriteBlob(BinaryWriter w, byte[] blob)
    {
        w.Write(blob.Length);
        w.Write(blob);
    }

    private static byte[] ReadBlob(BinaryReader r)
    {
        int length = ReadCount(r, MaxBlobBytes);
        if (length > r.BaseStream.Length - r.BaseStream.Position)
            throw new InvalidDataException($"a block of {length} bytes runs past the end of the file");
        return r.ReadBytes(length);
    }

    private static int ReadCount(BinaryReader r, int max)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > max)
            throw new InvalidDataException($"a count of {count} is out of range");
        return count;
    }
}
