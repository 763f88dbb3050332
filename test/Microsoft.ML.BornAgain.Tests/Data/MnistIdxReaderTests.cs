using System.Buffers.Binary;
using Microsoft.ML.BornAgain.Data;
using Microsoft.ML.BornAgain.Tests.Infrastructure;

namespace Microsoft.ML.BornAgain.Tests.Data;

/// <summary>MNIST-format idx pairs (Fashion-MNIST fixture): values, gzip detection and every validation error.</summary>
[TestClass]
public sealed class MnistIdxReaderTests
{
    // Fashion-MNIST test-set labels 0..19, read from the Debian package's t10k-labels-idx1-ubyte.gz with Python.
    private static readonly int[] FirstTwentyLabels = [9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5, 7, 3, 4, 1, 2, 4, 8, 0];

    [TestMethod]
    public void Plain_ReadsLabelsPixelsAndNames()
    {
        var records = MnistIdxReader.ReadRecords(Fixtures.FashionImages, Fixtures.FashionLabels, MnistIdxReader.FashionMnistClassNames);

        Assert.AreEqual(20, records.Count);
        Assert.AreEqual((1, 28, 28), (records.Channels, records.Height, records.Width));
        CollectionAssert.AreEqual(FirstTwentyLabels, records.Labels);
        Assert.AreEqual("Ankle boot", records.ClassNames[records.Labels[0]]);
        Assert.AreEqual("T-shirt/top", records.ClassNames[records.Labels[19]]);

        // Row 14 of image 0 and one pixel and the sums of images 0 and 1, from the source file with Python.
        int[] row14 = [0, 0, 0, 0, 0, 0, 2, 4, 1, 0, 0, 0, 98, 136, 110, 109, 110, 162, 135, 144, 149, 159, 167, 144, 158, 169, 119, 0];
        CollectionAssert.AreEqual(row14, records.GetPixels(0).Slice(14 * 28, 28).ToArray().Select(b => (int)b).ToArray());
        Assert.AreEqual(234, (int)records.GetPixels(1)[14 * 28 + 14]);
        Assert.AreEqual(33456, Sum(records.GetPixels(0)));
        Assert.AreEqual(100994, Sum(records.GetPixels(1)));
    }

    [TestMethod]
    public void Gzipped_GivesTheSameRecordsAsPlain()
    {
        var plain = MnistIdxReader.ReadRecords(Fixtures.FashionImages, Fixtures.FashionLabels);
        var gzipped = MnistIdxReader.ReadRecords(Fixtures.FashionImages + ".gz", Fixtures.FashionLabels + ".gz");
        var mixed = MnistIdxReader.ReadRecords(Fixtures.FashionImages + ".gz", Fixtures.FashionLabels);

        CollectionAssert.AreEqual(plain.Pixels, gzipped.Pixels);
        CollectionAssert.AreEqual(plain.Labels, gzipped.Labels);
        CollectionAssert.AreEqual(plain.Pixels, mixed.Pixels);
        Assert.AreEqual((plain.Height, plain.Width), (gzipped.Height, gzipped.Width));
    }

    [TestMethod]
    public void GzipIsDetectedByContentNotName()
    {
        using var temp = new TempFolder();
        File.Copy(Fixtures.FashionImages + ".gz", temp.File("images.idx3"));   // gzipped, no .gz
        File.Copy(Fixtures.FashionLabels, temp.File("labels.gz"));             // plain, named .gz

        var records = MnistIdxReader.ReadRecords(temp.File("images.idx3"), temp.File("labels.gz"));

        CollectionAssert.AreEqual(MnistIdxReader.ReadRecords(Fixtures.FashionImages, Fixtures.FashionLabels).Pixels, records.Pixels);
    }

    [TestMethod]
    public void NoClassNames_MeansDigits()
    {
        var records = MnistIdxReader.ReadRecords(Fixtures.FashionImages, Fixtures.FashionLabels);

        CollectionAssert.AreEqual(new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }, records.ClassNames.ToArray());
        Assert.AreEqual(10, MnistIdxReader.FashionMnistClassNames.Count);
    }

    [TestMethod]
    public void BadImagesMagic_NamesFileAndOffset()
    {
        using var temp = new TempFolder();
        // The labels file given as images: magic 0x00000801 where 0x00000803 is required.
        File.Copy(Fixtures.FashionLabels, temp.File("images"));

        var error = Assert.ThrowsExactly<InvalidDataException>(() => MnistIdxReader.ReadRecords(temp.File("images"), Fixtures.FashionLabels));

        StringAssert.Contains(error.Message, temp.File("images"));
        StringAssert.Contains(error.Message, "0x00000801");
        StringAssert.Contains(error.Message, "byte offset 0");
    }

    [TestMethod]
    public void BadLabelsMagic_IsRejected()
    {
        var error = Assert.ThrowsExactly<InvalidDataException>(() => MnistIdxReader.ReadRecords(Fixtures.FashionImages, Fixtures.FashionImages));
        StringAssert.Contains(error.Message, "0x00000803");
    }

    [TestMethod]
    public void TruncatedImages_NameFileAndOffsetWhereDataEnds()
    {
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(Fixtures.FashionImages);
        File.WriteAllBytes(temp.File("images"), bytes[..(16 + 5 * 784 + 3)]);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => MnistIdxReader.ReadRecords(temp.File("images"), Fixtures.FashionLabels));

        StringAssert.Contains(error.Message, temp.File("images"));
        StringAssert.Contains(error.Message, "byte offset 3939");
    }

    [TestMethod]
    public void TruncatedGzippedImages_CountOffsetInDecompressedData()
    {
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(Fixtures.FashionImages);
        using (var file = File.Create(temp.File("images.gz")))
        using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Optimal))
        {
            gzip.Write(bytes, 0, 16 + 100);
        }

        var error = Assert.ThrowsExactly<InvalidDataException>(() => MnistIdxReader.ReadRecords(temp.File("images.gz"), Fixtures.FashionLabels));

        StringAssert.Contains(error.Message, "byte offset 116");
    }

    [TestMethod]
    public void TrailingBytes_AreRejected()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("labels"), [.. File.ReadAllBytes(Fixtures.FashionLabels), 0]);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => MnistIdxReader.ReadRecords(Fixtures.FashionImages, temp.File("labels")));

        StringAssert.Contains(error.Message, "byte offset 28");
    }

    [TestMethod]
    public void ZeroDimension_NamesItsOffset()
    {
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(Fixtures.FashionImages);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 0);           // rows = 0
        File.WriteAllBytes(temp.File("images"), bytes);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => MnistIdxReader.ReadRecords(temp.File("images"), Fixtures.FashionLabels));

        StringAssert.Contains(error.Message, "byte offset 8");
    }

    [TestMethod]
    public void ImageAndLabelCountsDiffer_IsRejected()
    {
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(Fixtures.FashionLabels);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), 19);          // 19 labels, then drop the last byte
        File.WriteAllBytes(temp.File("labels"), bytes[..^1]);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => MnistIdxReader.ReadRecords(Fixtures.FashionImages, temp.File("labels")));

        StringAssert.Contains(error.Message, "19 labels");
        StringAssert.Contains(error.Message, "20 images");
    }

    [TestMethod]
    public void LabelNotBelowClassCount_NamesFileAndOffset()
    {
        // Label 9 (image 0, byte offset 8) is out of range for five class names.
        string[] fiveNames = ["a", "b", "c", "d", "e"];

        var error = Assert.ThrowsExactly<InvalidDataException>(() => MnistIdxReader.ReadRecords(Fixtures.FashionImages, Fixtures.FashionLabels, fiveNames));

        StringAssert.Contains(error.Message, Fixtures.FashionLabels);
        StringAssert.Contains(error.Message, "byte offset 8");
    }

    [TestMethod]
    public void MissingFile_ThrowsFileNotFoundNamingThePath()
    {
        string path = Path.Combine(Fixtures.Root, "fashion-mnist", "train-images-idx3-ubyte.gz");

        var error = Assert.ThrowsExactly<FileNotFoundException>(() => MnistIdxReader.ReadRecords(path, Fixtures.FashionLabels));

        Assert.AreEqual(path, error.FileName);
    }

    private static int Sum(ReadOnlySpan<byte> pixels)
    {
        var sum = 0;
        foreach (byte b in pixels)
        {
            sum += b;
        }

        return sum;
    }
}
