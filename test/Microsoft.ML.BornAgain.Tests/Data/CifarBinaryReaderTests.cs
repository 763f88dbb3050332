using Microsoft.ML.BornAgain.Data;
using Microsoft.ML.BornAgain.Tests.Infrastructure;

namespace Microsoft.ML.BornAgain.Tests.Data;

/// <summary>CIFAR-10 / CIFAR-100 binary records: values, class names, layouts and every validation error.</summary>
[TestClass]
public sealed class CifarBinaryReaderTests
{
    [TestMethod]
    public void Cifar10_ReadsLabelsPixelsAndMetaNames()
    {
        var records = CifarBinaryReader.ReadRecords(Fixtures.Cifar10Batch, CifarLabelKind.Cifar10);

        Assert.AreEqual(20, records.Count);
        Assert.AreEqual((3, 32, 32), (records.Channels, records.Height, records.Width));
        CollectionAssert.AreEqual(Fixtures.Cifar10Names, records.ClassNames.ToArray());
        CollectionAssert.AreEqual(Enumerable.Range(0, 20).Select(r => r % 10).ToArray(), records.Labels);

        // Values taken from the source file with Python: (record, R/G/B at pixel 0, R/G/B at (y=5, x=17), last byte).
        AssertPixels(records, 0, (200, 202, 197), (242, 243, 238), 238);
        AssertPixels(records, 7, (30, 35, 41), (232, 211, 168), 68);
        AssertPixels(records, 13, (118, 112, 96), (41, 42, 47), 69);
    }

    [TestMethod]
    public void Cifar10_PixelsAreTheFileBytesWithoutLabelBytes()
    {
        var file = File.ReadAllBytes(Fixtures.Cifar10Batch);
        var records = CifarBinaryReader.ReadRecords(Fixtures.Cifar10Batch);

        for (var r = 0; r < records.Count; r++)
        {
            CollectionAssert.AreEqual(file.AsSpan(r * 3073 + 1, 3072).ToArray(), records.GetPixels(r).ToArray(), $"record {r}");
        }
    }

    [TestMethod]
    [DataRow(CifarLabelKind.Cifar100Fine, 100, "-")]
    [DataRow(CifarLabelKind.Cifar100Coarse, 20, "-group")]
    public void Cifar100_SelectsFineOrCoarseLabelsAndNames(CifarLabelKind kind, int classCount, string nameInfix)
    {
        var cifar10 = CifarBinaryReader.ReadRecords(Fixtures.Cifar10Batch);
        var records = CifarBinaryReader.ReadRecords(Fixtures.Cifar100Train, kind);

        Assert.AreEqual(classCount, records.ClassNames.Count);
        CollectionAssert.AreEqual(cifar10.Pixels, records.Pixels);
        for (var r = 0; r < records.Count; r++)
        {
            // The fixture's made-up labels (see Fixtures/README.md): fine = 10 c + r / 10, coarse = 2 c + r / 10.
            int c = cifar10.Labels[r];
            int expected = kind == CifarLabelKind.Cifar100Fine ? 10 * c + r / 10 : 2 * c + r / 10;
            Assert.AreEqual(expected, records.Labels[r], $"record {r}");
            Assert.AreEqual($"{Fixtures.Cifar10Names[c]}{nameInfix}{r / 10}", records.ClassNames[records.Labels[r]]);
        }
    }

    [TestMethod]
    public void SeveralFiles_AreConcatenatedInOrder()
    {
        var one = CifarBinaryReader.ReadRecords(Fixtures.Cifar10Batch);
        var two = CifarBinaryReader.ReadRecords([Fixtures.Cifar10Batch, Fixtures.Cifar10Batch]);

        Assert.AreEqual(40, two.Count);
        CollectionAssert.AreEqual(one.Pixels.Concat(one.Pixels).ToArray(), two.Pixels);
        CollectionAssert.AreEqual(one.Labels.Concat(one.Labels).ToArray(), two.Labels);
    }

    [TestMethod]
    [DataRow(CifarLabelKind.Cifar10, 10)]
    [DataRow(CifarLabelKind.Cifar100Fine, 100)]
    [DataRow(CifarLabelKind.Cifar100Coarse, 20)]
    public void MissingMetaFile_NamesClassesByNumber(CifarLabelKind kind, int classCount)
    {
        using var temp = new TempFolder();
        string source = kind == CifarLabelKind.Cifar10 ? Fixtures.Cifar10Batch : Fixtures.Cifar100Train;
        File.Copy(source, temp.File("data.bin"));

        var records = CifarBinaryReader.ReadRecords(temp.File("data.bin"), kind);

        CollectionAssert.AreEqual(Enumerable.Range(0, classCount).Select(i => i.ToString()).ToArray(), records.ClassNames.ToArray());
    }

    [TestMethod]
    public void TruncatedFile_NamesFileAndOffsetOfTheBrokenRecord()
    {
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(Fixtures.Cifar10Batch);
        File.WriteAllBytes(temp.File("cut.bin"), bytes[..(3 * 3073 + 100)]);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => CifarBinaryReader.ReadRecords(temp.File("cut.bin")));

        StringAssert.Contains(error.Message, temp.File("cut.bin"));
        StringAssert.Contains(error.Message, "byte offset 9219");
    }

    [TestMethod]
    public void Cifar100File_ReadAsCifar10_IsRejectedBySize()
    {
        // 20 x 3,074 bytes is not a multiple of 3,073: the wrong layout is caught, not misread.
        var error = Assert.ThrowsExactly<InvalidDataException>(() => CifarBinaryReader.ReadRecords(Fixtures.Cifar100Train, CifarLabelKind.Cifar10));
        StringAssert.Contains(error.Message, "train.bin");
    }

    [TestMethod]
    public void LabelOutOfRange_NamesFileAndOffset()
    {
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(Fixtures.Cifar10Batch);
        bytes[5 * 3073] = 10;                              // record 5's label byte; CIFAR-10 labels are 0..9
        File.WriteAllBytes(temp.File("bad.bin"), bytes);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => CifarBinaryReader.ReadRecords(temp.File("bad.bin")));

        StringAssert.Contains(error.Message, temp.File("bad.bin"));
        StringAssert.Contains(error.Message, "byte offset 15365");
        StringAssert.Contains(error.Message, "label 10");
    }

    [TestMethod]
    public void FineLabelOutOfRange_IsFoundAtTheSecondByte()
    {
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(Fixtures.Cifar100Train);
        bytes[2 * 3074 + 1] = 100;
        File.WriteAllBytes(temp.File("bad.bin"), bytes);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => CifarBinaryReader.ReadRecords(temp.File("bad.bin"), CifarLabelKind.Cifar100Fine));

        StringAssert.Contains(error.Message, "byte offset 6149");
    }

    [TestMethod]
    public void MetaFileWithWrongNameCount_IsRejectedNamingIt()
    {
        using var temp = new TempFolder();
        File.Copy(Fixtures.Cifar10Batch, temp.File("data_batch_1.bin"));
        File.WriteAllLines(temp.File("batches.meta.txt"), Fixtures.Cifar10Names[..9]);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => CifarBinaryReader.ReadRecords(temp.File("data_batch_1.bin")));

        StringAssert.Contains(error.Message, temp.File("batches.meta.txt"));
    }

    [TestMethod]
    public void MissingFile_ThrowsFileNotFoundNamingThePath()
    {
        string path = Path.Combine(Fixtures.Root, "cifar-10", "no_such_batch.bin");

        var error = Assert.ThrowsExactly<FileNotFoundException>(() => CifarBinaryReader.ReadRecords(path));

        Assert.AreEqual(path, error.FileName);
        StringAssert.Contains(error.Message, path);
    }

    [TestMethod]
    public void EmptyFile_IsRejected()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("empty.bin"), []);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => CifarBinaryReader.ReadRecords(temp.File("empty.bin")));
        StringAssert.Contains(error.Message, "empty.bin");
    }

    private static void AssertPixels(ImageRecords records, int index, (int R, int G, int B) first, (int R, int G, int B) at5x17, int last)
    {
        var pixels = records.GetPixels(index);
        const int Plane = 1024;
        Assert.AreEqual(first, ((int)pixels[0], (int)pixels[Plane], (int)pixels[2 * Plane]), $"record {index} pixel 0");
        int p = 5 * 32 + 17;
        Assert.AreEqual(at5x17, ((int)pixels[p], (int)pixels[Plane + p], (int)pixels[2 * Plane + p]), $"record {index} pixel (5, 17)");
        Assert.AreEqual(last, (int)pixels[3071], $"record {index} last byte");
    }
}
