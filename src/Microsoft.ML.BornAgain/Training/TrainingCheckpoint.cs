using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.BornAgain.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Everything needed to resume Born-Again training exactly where it stopped: the finished generations, and the
/// generation in progress at an epoch boundary (weights, optimizer momentum, both random generators, metrics).
/// Written atomically after every epoch to <see cref="FileName"/> in the checkpoint directory.
/// </summary>
/// <remarks>
/// Binary format: "BACKPT02", string fingerprint, int finished count; per finished generation: string architecture,
/// metrics, byte[] weights; bool in progress; then int generation, string architecture, metrics, byte[] weights,
/// byte[] optimizer state, byte[] data generator state, byte[] global generator state; then the SHA-256 of every byte
/// before it. Metrics: int count, then per epoch the fields of <see cref="EpochMetrics"/>. Byte arrays: int length then
/// bytes. ("BACKPT01", without the hash and with a culture-dependent fingerprint, is refused with a clear message.)
/// <para>The hash detects damage (a torn or truncated write, a flipped bit), not tampering. Every weights blob is
/// also checked against its architecture by <see cref="Serialization.StateDictValidator"/> before TorchSharp reads
/// it, and the architectures against the options (<see cref="CheckpointWriter"/>).</para>
/// <para>Writes go to a uniquely named temporary file in the same directory (two runs sharing a directory never
/// write the same temporary file), flushed to disk, renamed over the checkpoint, and the directory is flushed
/// (<see cref="DirectorySync"/>), so a kill or power loss at any point leaves the previous or the new checkpoint.
/// A temporary file left by a killed process is ignored.</para>
/// </remarks>
internal sealed class TrainingCheckpoint
{
    public const string FileName = "bornagain-checkpoint.bin";
    private const string Magic = "BACKPT02";
    private const string OldMagic = "BACKPT01";
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
    /// <remarks>
    /// Culture-invariant (a run resumed under another culture has the same fingerprint), and it includes the device
    /// and the thread count, which change the floating-point results: resuming on another device would not continue
    /// the same run bit for bit.
    /// </remarks>
    public static string ComputeFingerprint(BornAgainTrainingOptions o, ImageTensorDataset train, long seed)
    {
        var settings = SettingsText(o, seed, train.Count, train.Channels, train.Height, train.Width, train.ClassCount);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(settings));
        AppendPixels(hash, train);
        hash.AppendData(train.Labels.contiguous().bytes);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>
    /// The options that shape training, the seed and the data's shape as one culture-invariant line (data-parallel
    /// ranks compare its hash before they train).
    /// </summary>
    internal static string SettingsText(BornAgainTrainingOptions o, long seed, int count, int channels, int height, int width, int classCount) =>
        string.Join("|", new object?[]
        {
            o.Generations, o.EpochsPerGeneration, string.Join(",", Enumerable.Range(0, o.LastGeneration + 1).Select(o.ArchitectureOf)),
            o.Loss, o.LabelWeight, o.Temperature, o.TeacherLabelSmoothing,
            o.BatchSize, o.LearningRate, o.Momentum, o.Nesterov, o.WeightDecay,
            o.Schedule, o.StepDecayFactor, o.RandomCropPadding, o.HorizontalFlip, seed,
            count, channels, height, width, classCount,
            "device=" + (o.Device ?? "default"), "threads=" + (o.NumberOfThreads?.ToString(CultureInfo.InvariantCulture) ?? "default"),
        }.Concat(ContinuationSettings(o)).Select(value => value switch
        {
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value?.ToString() ?? "",
        }));

    /// <summary>
    /// Hashes the training pixels as Float32 [N, C, H, W] values, whatever their storage (bytes or floats,
    /// channels-last), a block at a time: the fingerprint then names the data the network saw, not how it was held.
    /// </summary>
    private static void AppendPixels(IncrementalHash hash, ImageTensorDataset train)
    {
        const long ImagesPerBlock = 1024;
        for (long start = 0; start < train.Count; start += ImagesPerBlock)
        {
            using var scope = NewDisposeScope();
            var block = train.Images.narrow(0, start, Math.Min(ImagesPerBlock, train.Count - start));
            hash.AppendData(block.to_type(ScalarType.Float32).contiguous().bytes);
        }
    }

    /// <summary>
    /// What a continued chain, frozen layers and a bfloat16 teacher add to the fingerprint; nothing for a run without
    /// them, so the fingerprints of such runs (and their checkpoints) are unchanged.
    /// </summary>
    private static IEnumerable<object?> ContinuationSettings(BornAgainTrainingOptions o)
    {
        if (o.ContinuedChainFingerprint is { } chain)
            yield return $"continues={o.ContinuedGenerations}:{chain}";
        if (o.FreezeTeacherStemAndClassifier)
            yield return "frozen-stem-and-classifier";
        if (o.TeacherInBFloat16)
            yield return "teacher-bfloat16";
    }

    /// <summary>Reads the checkpoint in <paramref name="directory"/>, or returns null when there is none.</summary>
    /// <exception cref="InvalidDataException">The checkpoint is damaged, unreadable or from an older version.</exception>
    public static TrainingCheckpoint? TryRead(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            return null;
        try
        {
            using var stream = File.OpenRead(path);
            CheckHash(stream);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            string magic = Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length));
            if (magic == OldMagic)
                throw new InvalidDataException("it was written by an older version of Microsoft.ML.BornAgain, whose checkpoints cannot be resumed");
            if (magic != Magic)
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
            if (stream.Length - stream.Position != SHA256.HashSizeInBytes)
                throw new InvalidDataException($"{stream.Length - stream.Position - SHA256.HashSizeInBytes} unexpected bytes follow its last field");
            return new TrainingCheckpoint(fingerprint, finished, current);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidDataException or ArgumentException)
        {
            // IOException includes EndOfStreamException (a truncated file) and read errors of the disk itself.
            throw Damaged(path, e.Message, e);
        }
    }

    /// <summary>The message of every unusable checkpoint: what is wrong, and what to do.</summary>
    public static InvalidDataException Damaged(string path, string problem, Exception? inner = null) =>
        new($"The checkpoint '{path}' is damaged ({problem.TrimEnd('.')}); delete it to start training again.", inner);

    /// <summary>Checks the SHA-256 trailer over the whole file (streamed, not held in memory), then rewinds.</summary>
    private static void CheckHash(Stream stream)
    {
        long length = stream.Length - SHA256.HashSizeInBytes;
        if (length < Magic.Length)
            throw new InvalidDataException($"it is {stream.Length} bytes long, too short for a checkpoint");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        var magic = new byte[Magic.Length];
        stream.ReadExactly(magic);
        if (Encoding.ASCII.GetString(magic) == OldMagic)
        {
            stream.Position = 0;
            return; // refused with its own message by the caller
        }
        hash.AppendData(magic);
        for (long left = length - magic.Length; left > 0;)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
                throw new EndOfStreamException("the file ends early");
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
        var stored = new byte[SHA256.HashSizeInBytes];
        stream.ReadExactly(stored);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored))
            throw new InvalidDataException("its SHA-256 does not match its contents: it was cut short or changed");
        stream.Position = 0;
    }

    /// <summary>
    /// Writes the checkpoint atomically: a uniquely named temporary file, flushed to disk, renamed over the old one,
    /// then the directory flushed.
    /// </summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                using (var hashing = new HashingStream(stream))
                using (var writer = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
                {
                    WriteFields(writer);
                    writer.Flush();
                    stream.Write(hashing.GetHash());
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        DirectorySync.Flush(directory);
    }

    private void WriteFields(BinaryWriter writer)
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

    /// <summary>A write-only stream that hashes what passes through it to the file.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public byte[] GetHash() => _hash.GetHashAndReset();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _hash.Dispose();
            base.Dispose(disposing);
        }
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
