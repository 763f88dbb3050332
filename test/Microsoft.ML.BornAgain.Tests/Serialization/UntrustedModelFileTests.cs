using System.IO.Compression;
using Microsoft.ML.BornAgain.Serialization;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Tests.MLNet;

namespace Microsoft.ML.BornAgain.Tests.Serialization;

/// <summary>
/// Damaged or hostile model files fail with a clear .NET exception and bounded memory: never a native crash, an
/// out-of-memory or a model that silently scores with other weights.
/// </summary>
[TestClass]
public sealed class UntrustedModelFileTests
{
    private const int ModelOffsetOffset = 16; // ML.NET's ModelHeader: the payload's offset (int64) is at byte 16.
    private static string s_folder = null!;
    private static string s_modelPath = null!;
    private static DataViewSchema s_schema = null!;

    /// <summary>A tiny real model: a teacher only, grayscale 8x8 input, saved on its own (not in a chain).</summary>
    [ClassInitialize]
    public static void SaveSmallModel(TestContext _)
    {
        var ml = new MLContext(seed: 1);
        var rows = ImagePathRow.Load("train", 10).Select(r => new ImageBytesRow { Image = File.ReadAllBytes(r.ImagePath), Label = r.Label });
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var options = TrainedPipeline.SmallOptions(generations: 0, epochs: 1);
        (options.ImageChannels, options.ImageHeight, options.ImageWidth, options.RandomCropPadding) = (1, 8, 8, 0);
        using var model = ml.BornAgain().Train(options).Fit(data);
        s_folder = Directory.CreateTempSubdirectory("bornagain-untrusted-").FullName;
        s_modelPath = Path.Combine(s_folder, "model.zip");
        s_schema = data.Schema;
        ml.Model.Save(model, s_schema, s_modelPath);
    }

    [ClassCleanup]
    public static void Cleanup() => Directory.Delete(s_folder, recursive: true);

    private static Exception LoadFails(byte[] zip)
    {
        var ml = new MLContext();
        try
        {
            using var stream = new MemoryStream(zip);
            var model = ml.Model.Load(stream, out _);
            (model as IDisposable)?.Dispose();
        }
        catch (Exception e)
        {
            // ML.NET wraps the loader's exception; what the user should read is the innermost one.
            var cause = e.GetBaseException();
            Assert.IsTrue(cause is InvalidDataException or InvalidOperationException or FormatException or EndOfStreamException,
                $"unexpected {cause.GetType().Name}: {cause.Message}");
            return cause;
        }
        Assert.Fail("a damaged model file loaded without an error");
        return null!;
    }

    private static byte[] Rewrite(Func<string, byte[], byte[]?> change)
    {
        using var output = new MemoryStream();
        using (var source = ZipFile.OpenRead(s_modelPath))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                using var input = entry.Open();
                using var buffer = new MemoryStream();
                input.CopyTo(buffer);
                var bytes = change(entry.FullName, buffer.ToArray()) ?? buffer.ToArray();
                using var written = target.CreateEntry(entry.FullName).Open();
                written.Write(bytes);
            }
        }
        return output.ToArray();
    }

    private static byte[] WeightsEntry() => ReadEntry(ModelFormatEntry.Weights);

    private static byte[] ReadEntry(string suffix)
    {
        using var archive = ZipFile.OpenRead(s_modelPath);
        using var stream = archive.Entries.Single(e => e.FullName.EndsWith(suffix, StringComparison.Ordinal)).Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    [TestMethod]
    public void UnchangedFile_Loads_AndRewritingItKeepsItLoadable()
    {
        var rewritten = Rewrite((_, _) => null);
        var ml = new MLContext();
        using var model = (IDisposable)ml.Model.Load(new MemoryStream(rewritten), out _);
        Assert.IsInstanceOfType<BornAgainTransformer>(model);
    }

    [TestMethod]
    public void WeightsEntry_BitFlipsAnywhere_AreAllDetected()
    {
        var weights = WeightsEntry();
        var random = new Random(42);
        for (int trial = 0; trial < 60; trial++)
        {
            int bit = random.Next(weights.Length * 8);
            var zip = Rewrite((name, bytes) =>
            {
                if (!name.EndsWith(ModelFormatEntry.Weights, StringComparison.Ordinal))
                    return null;
                var copy = (byte[])bytes.Clone();
                copy[bit / 8] ^= (byte)(1 << (bit % 8));
                return copy;
            });
            var error = LoadFails(zip);
            StringAssert.Contains(error.Message, "generation 0", $"bit {bit}");
        }
    }

    [TestMethod]
    public void WeightsEntry_TruncatedEveryFewBytes_FailsCleanly()
    {
        int length = WeightsEntry().Length;
        for (int cut = 0; cut < length; cut += Math.Max(1, length / 40))
        {
            var zip = Rewrite((name, bytes) => name.EndsWith(ModelFormatEntry.Weights, StringComparison.Ordinal) ? bytes[..cut] : null);
            LoadFails(zip);
        }
    }

    [TestMethod]
    public void WeightsEntry_AbsurdDeclaredSizes_AreRejectedBeforeAllocation()
    {
        // A hostile entry that keeps the right checksum is still checked against the architecture: rewrite the first
        // tensor's rank to a huge LEB128 number and recompute the hash in the payload.
        var weights = WeightsEntry();
        var hostile = (byte[])weights.Clone();
        int rankOffset = FirstTensorRankOffset(hostile);
        hostile[rankOffset] = 0xFF; // continuation bit set: a number far larger than any rank
        var zip = Rewrite((name, bytes) =>
            name.EndsWith(ModelFormatEntry.Weights, StringComparison.Ordinal) ? hostile
            : name.EndsWith("/Model.key", StringComparison.Ordinal) ? ReplaceHash(bytes, weights, hostile)
            : null);

        var error = LoadFails(zip);
        StringAssert.Contains(error.Message, "do not match its architecture");
    }

    [TestMethod]
    public void PayloadEntry_BitFlips_NeverCrashOrAllocateWithoutBound()
    {
        var payload = ReadEntry("/Model.key");
        long start = BitConverter.ToInt64(payload, ModelOffsetOffset);
        var random = new Random(7);
        for (int trial = 0; trial < 60; trial++)
        {
            int position = (int)start + random.Next(payload.Length - (int)start);
            var zip = Rewrite((name, bytes) =>
            {
                if (!name.EndsWith("/Model.key", StringComparison.Ordinal))
                    return null;
                var copy = (byte[])bytes.Clone();
                copy[position] ^= (byte)(1 << random.Next(8));
                return copy;
            });
            try
            {
                using var model = (IDisposable)new MLContext().Model.Load(new MemoryStream(zip), out _);
                // Some flips land in metrics or names and still make a loadable model; that is fine as long as the
                // weights are intact (they are checked by hash).
            }
            catch (Exception e)
            {
                Assert.IsFalse(e.GetBaseException() is OutOfMemoryException or AccessViolationException, e.ToString());
            }
        }
    }

    [TestMethod]
    public void TruncatedZip_FailsCleanly()
    {
        var bytes = File.ReadAllBytes(s_modelPath);
        foreach (int length in new[] { 0, 10, bytes.Length / 3, bytes.Length / 2, bytes.Length - 30 })
        {
            Exception? caught = null;
            try
            {
                new MLContext().Model.Load(new MemoryStream(bytes[..length]), out _);
            }
            catch (Exception e)
            {
                caught = e;
            }
            Assert.IsNotNull(caught, $"a zip cut at {length} of {bytes.Length} bytes loaded");
            Assert.IsNotInstanceOfType<OutOfMemoryException>(caught.GetBaseException());
        }
    }

    [TestMethod]
    public void ModelFromANewerFormat_NamesThePackageAndBothVersions()
    {
        var zip = Rewrite((name, bytes) =>
        {
            if (!name.EndsWith("/Model.key", StringComparison.Ordinal))
                return null;
            var copy = (byte[])bytes.Clone();
            int payload = (int)BitConverter.ToInt64(copy, ModelOffsetOffset);
            BitConverter.TryWriteBytes(copy.AsSpan(payload), 7);     // FormatVersion
            BitConverter.TryWriteBytes(copy.AsSpan(payload + 4), 5); // MinReaderVersion
            return copy;
        });

        var error = LoadFails(zip);
        StringAssert.Contains(error.Message, "newer BornAgain.ML");
        StringAssert.Contains(error.Message, "format version 7");
        StringAssert.Contains(error.Message, $"up to {ModelFormat.SupportedVersion}");
    }

    private static int FirstTensorRankOffset(byte[] blob)
    {
        int offset = 1;                    // entry count (< 128 tensors: one LEB128 byte)
        offset += 1 + blob[offset];        // name: one length byte (< 128) + UTF-8 bytes
        offset += 1;                       // element type
        return offset;                     // rank
    }

    private static byte[] ReplaceHash(byte[] payload, byte[] original, byte[] replacement)
    {
        var oldHash = System.Security.Cryptography.SHA256.HashData(original);
        var newHash = System.Security.Cryptography.SHA256.HashData(replacement);
        int at = payload.AsSpan().IndexOf(oldHash);
        Assert.IsGreaterThanOrEqualTo(0, at, "the payload stores the weights' SHA-256");
        var copy = (byte[])payload.Clone();
        newHash.CopyTo(copy, at);
        // The settings' own SHA-256 (format version 2) covers the weights' hash: recompute it too, as an attacker would.
        int start = (int)BitConverter.ToInt64(copy, ModelOffsetOffset);
        int end = start + (int)BitConverter.ToInt64(copy, ModelOffsetOffset + 8);
        var settingsHash = System.Security.Cryptography.SHA256.HashData([.. copy.AsSpan(start, 8), .. copy.AsSpan(start + 40, end - start - 40)]);
        settingsHash.CopyTo(copy, start + 8);
        return copy;
    }

    private static class ModelFormatEntry
    {
        public const string Weights = "/" + "Generation0.tsd";
    }
}
