using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Tests.Infrastructure;

namespace Microsoft.ML.BornAgain.Tests.Serialization;

/// <summary>
/// <see cref="UntrustedModel.Load(MLContext, string, out DataViewSchema)"/> checks the zip before ML.NET opens it:
/// crafted zips (a zip bomb entry, a climbing entry name, a loader assembly that is not ML.NET's) are refused in
/// constant memory, and a real model loads.
/// </summary>
[TestClass]
public sealed class UntrustedModelTests
{
    private static byte[] s_model = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void SaveSmallModel(TestContext _)
    {
        using var model = HostileModelFileTests.Untrained(1, 3, (NetworkArchitecture.PreActResNet(8), NetworkArchitecture.PreActResNet(8)));
        s_model = HostileModelFileTests.Save(model);
    }

    [TestMethod]
    public void RealModel_Loads()
    {
        string path = Write(s_model);
        using var model = (IDisposable)UntrustedModel.Load(new MLContext(), path, out _);

        Assert.IsInstanceOfType<BornAgainTransformer>(model);
        File.Delete(path);
    }

    [TestMethod]
    public void ZipBombEntry_IsRefusedFromTheDirectory()
    {
        var zip = WithExtraEntry(s_model, "TransformerChain/Padding.bin", new byte[64 << 20]); // 64 MB of zeros deflate ~1000:1

        var error = RefusedWithin(zip);

        StringAssert.Contains(error.Message, "entry 'TransformerChain/Padding.bin' inflates");
        StringAssert.Contains(error.Message, "at most 100:1 is accepted");
    }

    [TestMethod]
    public void ClimbingEntryName_IsRefused()
    {
        var zip = WithExtraEntry(s_model, "../outside/Model.key", [1, 2, 3]);

        StringAssert.Contains(RefusedWithin(zip).Message, "entry name '../outside/Model.key' is not one ML.NET writes");
    }

    [TestMethod]
    public void LoaderAssemblyThatIsNotMLNets_IsRefused()
    {
        // Our Model.key names its loader assembly (UTF-16) in ML.NET's header: name another one of the same length.
        var ours = Encoding.Unicode.GetBytes("Microsoft.ML.BornAgain");
        var evil = Encoding.Unicode.GetBytes("System.Evil.Assembly.X");
        Assert.AreEqual(ours.Length, evil.Length);
        var entryName = EntryNames(s_model).First(n => n.EndsWith("Model.key", StringComparison.Ordinal) && ModelZip.Read(s_model, name => name == n).AsSpan().IndexOf(ours) >= 0);
        var key = ModelZip.Read(s_model, name => name == entryName);
        int at = key.AsSpan().IndexOf(ours);
        evil.CopyTo(key, at);
        var zip = ModelZip.Replace(s_model, name => name == entryName, key);

        var error = RefusedWithin(zip);

        StringAssert.Contains(error.Message, "assembly 'System.Evil.Assembly.X'");
    }

    [TestMethod]
    public void EntryWhoseDirectoryUnderstatesItsSize_IsReadOnlyToTheDeclaredSize()
    {
        // 16 MB of zeros whose directory records (central and local) claim 1,000 bytes, small enough to pass the
        // ratio check. .NET's zip reader, ours and ML.NET's, stops every entry at its declared size, so the lie costs
        // nothing: the model loads and the padding is never inflated past 1,000 bytes.
        var zip = WithExtraEntry(s_model, "TransformerChain/Padding.bin", new byte[16 << 20]);
        DeclareUncompressedSize(zip, "TransformerChain/Padding.bin", 1000);
        using (var archive = new ZipArchive(new MemoryStream(zip)))
        {
            using var padding = archive.GetEntry("TransformerChain/Padding.bin")!.Open();
            var counted = new MemoryStream();
            padding.CopyTo(counted);
            Assert.AreEqual(1000, counted.Length, "the entry reads as its declared 1,000 bytes");
        }

        string path = Write(zip);
        GC.Collect();
        long before = ProcessMemory.ResidentBytes();
        using (var model = (IDisposable)UntrustedModel.Load(new MLContext(), path, out _))
            Assert.IsInstanceOfType<BornAgainTransformer>(model);
        long grown = ProcessMemory.ResidentBytes() - before;
        Assert.IsLessThan(64L << 20, grown, $"resident memory grew by {grown / 1e6:F1} MB");
        File.Delete(path);
    }

    [TestMethod]
    public void WeightsEntryWhoseDirectoryUnderstatesItsSize_IsDamaged()
    {
        string weights = EntryNames(s_model).First(n => n.EndsWith("/Generation0.tsd", StringComparison.Ordinal));
        var zip = (byte[])s_model.Clone();
        DeclareUncompressedSize(zip, weights, 1000);
        string path = Write(zip);

        var error = Assert.Throws<Exception>(() => UntrustedModel.Load(new MLContext(), path, out _)).GetBaseException();

        TestContext.WriteLine(error.Message);
        Assert.IsInstanceOfType<InvalidDataException>(error, error.ToString());
        StringAssert.Contains(error.Message, "damaged");
        File.Delete(path);
    }

    /// <summary>Overwrites the uncompressed size of entry <paramref name="name"/> in its local header and its central directory record.</summary>
    private static void DeclareUncompressedSize(byte[] zip, string name, uint size)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        int patched = 0;
        for (int i = 0; i + 46 < zip.Length; i++)
        {
            uint signature = BitConverter.ToUInt32(zip, i);
            if (signature == 0x04034b50 && zip.AsSpan(i + 30).StartsWith(nameBytes) && BitConverter.ToUInt16(zip, i + 26) == nameBytes.Length)
            {
                BitConverter.TryWriteBytes(zip.AsSpan(i + 22, 4), size); // local file header: uncompressed size
                patched++;
            }
            else if (signature == 0x02014b50 && zip.AsSpan(i + 46).StartsWith(nameBytes) && BitConverter.ToUInt16(zip, i + 28) == nameBytes.Length)
            {
                BitConverter.TryWriteBytes(zip.AsSpan(i + 24, 4), size); // central directory record: uncompressed size
                patched++;
            }
        }
        Assert.AreEqual(2, patched, "both records of the entry were found");
    }

    private InvalidDataException RefusedWithin(byte[] zip)
    {
        string path = Write(zip);
        GC.Collect();
        long before = ProcessMemory.ResidentBytes();
        var watch = Stopwatch.StartNew();
        var error = Assert.ThrowsExactly<InvalidDataException>(() => UntrustedModel.Load(new MLContext(), path, out _));
        long grown = ProcessMemory.ResidentBytes() - before;
        TestContext.WriteLine($"refused in {watch.Elapsed.TotalMilliseconds:F0} ms, resident memory +{grown / 1e6:F1} MB: {error.Message}");
        StringAssert.Contains(error.Message, "was refused before ML.NET opened it");
        Assert.IsLessThan(64L << 20, grown, $"resident memory grew by {grown / 1e6:F1} MB");
        File.Delete(path);
        return error;
    }

    private static string Write(byte[] zip)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bornagain-untrusted-{Guid.NewGuid():N}.zip");
        File.WriteAllBytes(path, zip);
        return path;
    }

    private static IEnumerable<string> EntryNames(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return archive.Entries.Select(e => e.FullName).ToList();
    }

    private static byte[] WithExtraEntry(byte[] zip, string name, byte[] data)
    {
        var output = new MemoryStream();
        output.Write(zip);
        using (var archive = new ZipArchive(output, ZipArchiveMode.Update, leaveOpen: true))
        {
            using var stream = archive.CreateEntry(name, CompressionLevel.Fastest).Open();
            stream.Write(data);
        }
        return output.ToArray();
    }
}
