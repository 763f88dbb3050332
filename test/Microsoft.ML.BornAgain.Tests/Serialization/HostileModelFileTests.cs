using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.ML.BornAgain.MLNet;
using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Serialization;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Tests.MLNet;
using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Serialization;

/// <summary>
/// Model files crafted as an attacker (or a newer writer) would, written by the library's own writer: architectures
/// whose size overflows or exceeds the caps, bytes flipped anywhere in the settings, fields appended by a newer
/// format version, and the largest networks, whose weights entries carry batch-norm buffers as well as parameters.
/// Networks are built, never trained.
/// </summary>
[TestClass]
public sealed class HostileModelFileTests
{
    private const long MemoryBudget = 64L << 20;
    private const int ModelOffsetOffset = 16; // ML.NET's ModelHeader: FpModel (int64) at byte 16, CbModel at 24.

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ArchitectureWhoseCountOverflows_IsRefusedBeforeAnyNetworkIsBuilt()
    {
        // The ~1 KB attack: the name parses, and an unchecked count wraps (negative) past "actual > max".
        var huge = NetworkArchitecture.PreActResNet(545390216, 1024);
        Assert.ThrowsExactly<OverflowException>(() => huge.CountParameters(3, 10));
        var zip = Save(Untrained(channels: 3, classCount: 10, (huge, NetworkArchitecture.PreActResNet(8))));

        var error = LoadFailsWithin(zip, MemoryBudget);

        StringAssert.Contains(error.Message, "PreActResNet-545390216-1024");
        StringAssert.Contains(error.Message, "more parameters than a 64-bit count holds");
    }

    [TestMethod]
    public void ArchitectureAboveTheCapPerGeneration_IsRefusedBeforeAnyNetworkIsBuilt()
    {
        var large = NetworkArchitecture.WideResNet(28, 40); // 584 million parameters: 2.3 GB of float32
        Assert.IsGreaterThan(BornAgainModelFile.MaxParametersPerGeneration, large.CountParameters(3, 10));
        var zip = Save(Untrained(channels: 3, classCount: 10, (large, NetworkArchitecture.PreActResNet(8))));

        var error = LoadFailsWithin(zip, MemoryBudget);

        StringAssert.Contains(error.Message, "generation 0 (WRN-28-40)");
        StringAssert.Contains(error.Message, $"at most {BornAgainModelFile.MaxParametersPerGeneration} are accepted per generation");
    }

    [TestMethod]
    public void GenerationsAboveTheTotalCap_AreRefusedBeforeAnyNetworkIsBuilt()
    {
        // Each generation is under the per-generation cap; five of them together are not.
        var large = NetworkArchitecture.WideResNet(28, 26);
        long each = large.CountParameters(3, 10);
        Assert.IsLessThan(BornAgainModelFile.MaxParametersPerGeneration, each);
        Assert.IsGreaterThan(BornAgainModelFile.MaxParametersInTotal, 5 * each);
        var zip = Save(Untrained(channels: 3, classCount: 10,
            Enumerable.Repeat((large, NetworkArchitecture.PreActResNet(8)), 5).ToArray()));

        var error = LoadFailsWithin(zip, MemoryBudget);

        StringAssert.Contains(error.Message, $"at most {BornAgainModelFile.MaxParametersInTotal} are accepted in all");
    }

    /// <summary>
    /// The largest networks of the DenseNet-BC paper round-trip through <c>Model.Save</c> and <c>Model.Load</c>: their
    /// weights entries hold running statistics and counters besides the parameters the old bound allowed for.
    /// </summary>
    [TestMethod]
    [DataRow("DenseNetBC-190-40")]
    [DataRow("DenseNetBC-250-24")]
    public void LargestDenseNets_RoundTrip(string name)
    {
        var watch = Stopwatch.StartNew();
        var architecture = NetworkArchitecture.Parse(name);
        using var original = Untrained(channels: 3, classCount: 10, (architecture, architecture));
        var zip = Save(original);
        TestContext.WriteLine($"{name}: built and saved in {watch.Elapsed.TotalSeconds:F1} s, {zip.Length / 1e6:F1} MB zip");

        using var loaded = (BornAgainTransformer)new MLContext().Model.Load(new MemoryStream(zip), out _);
        TestContext.WriteLine($"{name}: loaded after {watch.Elapsed.TotalSeconds:F1} s");

        var expected = original.Model.Generations[0].Network.state_dict();
        var actual = loaded.Model.Generations[0].Network.state_dict();
        Assert.AreEqual(expected.Count, actual.Count);
        Assert.IsTrue(expected.Keys.Any(k => k.EndsWith("running_var", StringComparison.Ordinal)), "the entry holds buffers");
        foreach (var (key, tensor) in expected)
            Assert.IsTrue(tensor.allclose(actual[key], 0, 0), $"{name}: {key} differs after the round trip");
    }

    /// <summary>
    /// The bound each weights entry is read to is exactly what TorchSharp writes, for a built network of every family
    /// (mid-size ones; the largest of each family are far too slow to build in a unit test except DenseNet-BC, above).
    /// </summary>
    [TestMethod]
    [DataRow("PreActResNet-110-2")]
    [DataRow("WRN-16-8-0.3")]
    [DataRow("DenseNetBC-100-12-0.75")]
    public void WeightsEntryBound_IsExactlyWhatTheNetworkStores(string name)
    {
        using var network = NetworkArchitecture.Parse(name).CreateNetwork(3, 100);

        Assert.AreEqual(GenerationState.SaveWeights(network).LongLength, StateDictSize.Of(network));
    }

    [TestMethod]
    public void EveryByteOfTheSettings_IsCoveredByTheHash()
    {
        // Normalization, labels, scoring list, architectures and metrics: a flip in any byte we parse fails the load.
        using var model = Untrained(channels: 1, classCount: 3, (NetworkArchitecture.PreActResNet(8), NetworkArchitecture.PreActResNet(8)));
        var zip = Save(model);
        var key = ModelZip.Read(zip, ModelZip.EndingWith("/Model.key"));
        long start = BitConverter.ToInt64(key, ModelOffsetOffset);
        long end = start + BitConverter.ToInt64(key, ModelOffsetOffset + 8);
        int loaded = 0;
        for (long position = start; position < end; position++)
        {
            var damaged = (byte[])key.Clone();
            damaged[position] ^= (byte)(1 << (int)(position % 8));
            try
            {
                using var result = (IDisposable)new MLContext().Model.Load(new MemoryStream(ModelZip.Replace(zip, ModelZip.EndingWith("/Model.key"), damaged)), out _);
                loaded++;
            }
            catch (Exception e)
            {
                var cause = e.GetBaseException();
                Assert.IsTrue(cause is InvalidDataException or InvalidOperationException, $"byte {position}: {cause}");
            }
        }
        Assert.AreEqual(0, loaded, $"{loaded} of the {end - start} payload bytes could be changed without an error");
    }

    [TestMethod]
    public void NewerFormatWithAnAppendedField_ThatOldReadersMayRead_Loads()
    {
        using var model = Untrained(channels: 1, classCount: 3, (NetworkArchitecture.PreActResNet(8), NetworkArchitecture.PreActResNet(8)));
        var zip = Save(new VersionedWriter(model, ModelFormat.SupportedVersion + 1, minReaderVersion: 1, w =>
        {
            w.Write(42);
            w.Write("a field this reader does not know");
        }));

        using var loaded = (BornAgainTransformer)new MLContext().Model.Load(new MemoryStream(zip), out _);

        Assert.AreEqual(1, loaded.Generations.Count);
        var expected = model.Model.Generations[0].Network.state_dict();
        foreach (var (name, tensor) in loaded.Model.Generations[0].Network.state_dict())
            Assert.IsTrue(tensor.allclose(expected[name], 0, 0), name);
    }

    [TestMethod]
    public void Version1File_WithoutTheSettingsHash_StillLoads()
    {
        using var model = Untrained(channels: 1, classCount: 3, (NetworkArchitecture.PreActResNet(8), NetworkArchitecture.PreActResNet(8)));
        var zip = Save(new VersionedWriter(model, formatVersion: 1, minReaderVersion: 1, appendFields: null));

        using var loaded = (BornAgainTransformer)new MLContext().Model.Load(new MemoryStream(zip), out _);

        Assert.AreEqual("PreActResNet-8", loaded.Generations[0].Architecture.ToString());
    }

    [TestMethod]
    public void FailingLoad_OfANewerFormat_FreesTheNetworksItBuilt()
    {
        var small = NetworkArchitecture.PreActResNet(8);
        using var model = Untrained(channels: 1, classCount: 3, (small, small), (small, small), (small, small));
        var zip = Save(new VersionedWriter(model, ModelFormat.SupportedVersion + 1, minReaderVersion: 1, w => w.Write(7L)));
        // Generation 2's weights are cut short: generations 0 and 1 are built and loaded first, then freed.
        var weights = ModelZip.Read(zip, ModelZip.EndingWith("/" + BornAgainModelFile.EntryName(2)));
        zip = ModelZip.Replace(zip, ModelZip.EndingWith("/" + BornAgainModelFile.EntryName(2)), weights[..(weights.Length / 2)]);
        // Building a network leaves a few construction temporaries to the finalizer even when it is disposed: count
        // them for three networks, then expect a failed load to leave exactly those and nothing of its networks.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = torch.Tensor.TotalCount;
        for (int g = 0; g < 3; g++)
            small.CreateNetwork(1, 3).Dispose();
        long constructionLeftovers = torch.Tensor.TotalCount - before;
        long liveTensors = torch.Tensor.TotalCount;

        var error = Assert.Throws<Exception>(() => new MLContext().Model.Load(new MemoryStream(zip), out _)).GetBaseException();

        StringAssert.Contains(error.Message, "generation 2");
        Assert.AreEqual(liveTensors + constructionLeftovers, torch.Tensor.TotalCount,
            $"the failed load left {torch.Tensor.TotalCount - liveTensors} tensors alive; building and disposing its three networks leaves {constructionLeftovers}");
    }

    /// <summary>
    /// A transformer whose networks are freshly initialised. Each generation is (the architecture written in the file,
    /// the architecture of the network actually built): naming a huge architecture on a small network crafts a
    /// file that asks the loader for the huge one, without any machine having to build it.
    /// </summary>
    internal static BornAgainTransformer Untrained(int channels, int classCount, params (NetworkArchitecture Written, NetworkArchitecture Built)[] generations)
    {
        torch.manual_seed(1);
        var trained = generations.Select((g, i) => new TrainedGeneration(i, g.Written, g.Built.CreateNetwork(channels, classCount), []))
            .ToList();
        var normalization = new ChannelNormalization(Enumerable.Repeat(0.5f, channels).ToArray(), Enumerable.Repeat(0.25f, channels).ToArray());
        var model = new BornAgainModel(trained, normalization, channels, 32, 32, classCount, CPU);
        var labels = LabelKeyValues.FromSaved(classCount, "Text", Enumerable.Range(0, classCount).Select(c => $"class{c}").ToArray());
        return new BornAgainTransformer(model, labels, new ImageShape(channels, 32, 32), "Image", "Score", "PredictedLabel", [0]);
    }

    internal static byte[] Save(ITransformer transformer)
    {
        var ml = new MLContext();
        var schema = ml.Data.LoadFromEnumerable(new[] { new ImageBytesRow { Image = [1], Label = "a" } }).Schema;
        using var stream = new MemoryStream();
        ml.Model.Save(transformer, schema, stream);
        return stream.ToArray();
    }

    /// <summary>Loads, expecting a clear exception; asserts the resident memory grew by less than the budget.</summary>
    private Exception LoadFailsWithin(byte[] zip, long budget)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = ProcessMemory.ResidentBytes();
        var watch = Stopwatch.StartNew();
        Exception? caught = null;
        try
        {
            using var model = (IDisposable)new MLContext().Model.Load(new MemoryStream(zip), out _);
        }
        catch (Exception e)
        {
            caught = e.GetBaseException();
        }
        long grown = ProcessMemory.ResidentBytes() - before;
        TestContext.WriteLine($"refused in {watch.Elapsed.TotalMilliseconds:F0} ms, resident memory +{grown / 1e6:F1} MB: {caught?.Message}");
        Assert.IsNotNull(caught, "the hostile model file loaded");
        Assert.IsInstanceOfType<InvalidDataException>(caught, caught.ToString());
        Assert.IsLessThan(budget, grown, $"resident memory grew by {grown / 1e6:F1} MB");
        return caught;
    }

    /// <summary>Saves a Born-Again transformer as an older or newer writer would (other versions, appended fields).</summary>
    private sealed class VersionedWriter(BornAgainTransformer inner, int formatVersion, int minReaderVersion, Action<BinaryWriter>? appendFields)
        : ITransformer
    {
        public bool IsRowToRowMapper => inner.IsRowToRowMapper;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inner.GetOutputSchema(inputSchema);

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => inner.GetRowToRowMapper(inputSchema);

        public IDataView Transform(IDataView input) => inner.Transform(input);

        public void Save(ModelSaveContext ctx) => BornAgainModelFile.Save(ctx, inner.ToSaved(), formatVersion, minReaderVersion, appendFields);
    }
}
