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
