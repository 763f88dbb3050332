using System.IO.Compression;
using System.Reflection;
using System.Text;
using Microsoft.ML.BornAgain.Serialization;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.Tests.Serialization;

/// <summary>
/// The library compiles against a publicized Microsoft.ML.Core (build/Publicizer.targets) and runs against the real
/// one. These tests save through ML.NET's public <c>Model.Save</c>, which hands our code a real
/// <see cref="ModelSaveContext"/>; the library then calls its internal members. Without
/// <c>[assembly: IgnoresAccessChecksTo("Microsoft.ML.Core")]</c> that fails with MethodAccessException.
/// </summary>
[TestClass]
public sealed class ModelFormatTests
{
    private static readonly byte[] _blob = [1, 2, 3, 250, 0, 7];

    [TestMethod]
    public void RuntimeMicrosoftMLCore_IsTheRealAssemblyWithInternalSaveMembers()
    {
        // The publicized copy is for the compiler only: at run time CheckAtModel must still be internal.
        var checkAtModel = typeof(ModelSaveContext).GetMethod(
            "CheckAtModel", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, Type.EmptyTypes);

        Assert.IsNotNull(checkAtModel);
        Assert.IsTrue(checkAtModel.IsAssembly, "Microsoft.ML.Core loaded at run time is the publicized copy.");
        Assert.DoesNotContain("publicized", typeof(ModelSaveContext).Assembly.Location);
    }

    [TestMethod]
    public void ModelSave_WritesMlNetHeaderPayloadHeaderAndBlobEntry()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new Row { Value = 1f } });
        using var zip = new MemoryStream();

        mlContext.Model.Save(new SavingOnlyTransformer(), data.Schema, zip);

        zip.Position = 0;
        using var archive = new ZipArchive(zip, ZipArchiveMode.Read);
        var modelEntry = archive.Entries.Single(entry => entry.FullName.EndsWith("/Model.key", StringComparison.Ordinal));
        var blobEntry = archive.Entries.Single(entry => entry.FullName.EndsWith("/Probe.bin", StringComparison.Ordinal));
        Assert.AreEqual(
            Path.GetDirectoryName(modelEntry.FullName), Path.GetDirectoryName(blobEntry.FullName),
            "The blob belongs in the transformer's own directory.");
        CollectionAssert.AreEqual(_blob, ReadAll(blobEntry));

        var model = ReadAll(modelEntry);
        StringAssert.Contains(Encoding.ASCII.GetString(model), ModelFormat.LoaderSignature);
        // The loader assembly (UTF-16 in the header's string table) is stored by SIMPLE name, so that any library
        // version can be asked to load the model and our own version check decides.
        var utf16 = Encoding.Unicode.GetString(model);
        StringAssert.Contains(utf16, ModelFormat.LoaderAssemblyName);
        Assert.AreEqual("Microsoft.ML.BornAgain", ModelFormat.LoaderAssemblyName);
        Assert.DoesNotContain("Version=", utf16);
        Assert.AreEqual(
            ModelFormat.ModelSignature,
            Encoding.ASCII.GetString(BitConverter.GetBytes(BitConverter.ToUInt64(model, ModelSignatureOffset))));

        // ML.NET's header is followed by our payload: FormatVersion, MinReaderVersion, then the caller's fields.
        long payloadOffset = BitConverter.ToInt64(model, ModelOffsetOffset);
        Assert.AreEqual(ModelFormat.FormatVersion, BitConverter.ToInt32(model, (int)payloadOffset));
        Assert.AreEqual(ModelFormat.MinReaderVersion, BitConverter.ToInt32(model, (int)payloadOffset + 4));
    }

    [TestMethod]
    public void CheckReadable_ModelNeedingNewerReader_ThrowsNamingPackageAndBothVersions()
    {
        int tooNew = ModelFormat.SupportedVersion + 1;

        var error = Assert.ThrowsExactly<InvalidOperationException>(
            () => ModelFormat.CheckReadable(formatVersion: tooNew, minReaderVersion: tooNew));

        StringAssert.Contains(error.Message, ModelFormat.PackageName);
        StringAssert.Contains(error.Message, $"readable from version {tooNew}");
        StringAssert.Contains(error.Message, $"reads format versions up to {ModelFormat.SupportedVersion}");
    }

    [TestMethod]
    public void CheckReadable_NewerFormatThatOldReadersCanRead_IsAccepted()
    {
        // A newer writer that only added optional fields keeps MinReaderVersion, and we read what we know.
        ModelFormat.CheckReadable(formatVersion: ModelFormat.SupportedVersion + 5, minReaderVersion: ModelFormat.SupportedVersion);
    }

    [TestMethod]
    public void CheckReadable_FormatOlderThanOldestReadable_Throws()
    {
        var error = Assert.ThrowsExactly<InvalidOperationException>(
            () => ModelFormat.CheckReadable(formatVersion: ModelFormat.OldestReadableVersion - 1, minReaderVersion: 0));

        StringAssert.Contains(error.Message, "older");
    }

    // ML.NET's fixed ModelHeader (Microsoft.ML.Core, Data/ModelHeader.cs, explicit layout): the payload's offset
    // (FpModel, int64) is at byte 16 and the model signature (8 ASCII bytes, our "BORNAGAN") at byte 64.
    private const int ModelOffsetOffset = 16;
    private const int ModelSignatureOffset = 64;

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private sealed class Row
    {
        public float Value { get; set; }
    }

    /// <summary>A pass-through transformer whose only job is to save through <see cref="ModelFormat"/>.</summary>
    private sealed class SavingOnlyTransformer : ITransformer
    {
        public bool IsRowToRowMapper => false;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();

        public IDataView Transform(IDataView input) => input;

        public void Save(ModelSaveContext ctx)
        {
            ModelFormat.WritePayloadHeader(ctx);
            ModelFormat.SaveBlob(ctx, "Probe.bin", stream => stream.Write(_blob));
        }
    }
}
