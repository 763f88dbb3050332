using System.Diagnostics;
using Microsoft.ML.BornAgain.Data;
using Microsoft.ML.BornAgain.Tests.Infrastructure;

namespace Microsoft.ML.BornAgain.Tests.Data;

/// <summary>
/// Image folders crafted as a hostile archive would be: links out of the root, a file that is no image, the
/// AppleDouble files macOS leaves, class names that differ only by case or normalization, and an image bomb.
/// </summary>
[TestClass]
public sealed class HostileImageFolderTests
{
    private static readonly string s_jpeg = Path.Combine(Fixtures.ImageFolder, "bird", "0000.jpg");

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ClassFolderLinkingOutOfTheRoot_IsRefused_NamingIt()
    {
        using var outside = new TempFolder();
        using var temp = new TempFolder();
        File.Copy(s_jpeg, outside.File("secret.jpg"));
        Directory.CreateDirectory(temp.File("cat"));
        File.Copy(s_jpeg, temp.File("cat/0.jpg"));
        Directory.CreateSymbolicLink(temp.File("dog"), outside.Path);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => ImageFolderReader.ReadEntries(temp.Path));

        StringAssert.Contains(error.Message, temp.File("dog"));
        StringAssert.Contains(error.Message, "outside the folder");
    }

    [TestMethod]
    public void ImageLinkingOutOfTheRoot_IsRefused_ButALinkInsideIsFollowed()
    {
        using var outside = new TempFolder();
        using var temp = new TempFolder();
        File.Copy(s_jpeg, outside.File("secret.jpg"));
        Directory.CreateDirectory(temp.File("cat"));
        File.Copy(s_jpeg, temp.File("cat/0.jpg"));
        File.CreateSymbolicLink(temp.File("cat/1.jpg"), temp.File("cat/0.jpg"));
        Assert.HasCount(2, ImageFolderReader.ReadEntries(temp.Path), "a link inside the root is an ordinary image");

        File.CreateSymbolicLink(temp.File("cat/2.jpg"), outside.File("secret.jpg"));
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ImageFolderReader.ReadEntries(temp.Path));

        StringAssert.Contains(error.Message, temp.File("cat/2.jpg"));
        StringAssert.Contains(error.Message, outside.File("secret.jpg"));
    }

    [TestMethod]
    public void AppleDoubleFiles_AreSkipped_ButAnUndecodableImage_IsRefusedNamingIt()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("cat"));
        File.Copy(s_jpeg, temp.File("cat/x.jpg"));
        // What macOS writes beside x.jpg on a non-HFS volume: a resource-fork header, no image.
        File.WriteAllBytes(temp.File("cat/._x.jpg"), [0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00, .. new byte[4088]]);
        Assert.AreEqual(temp.File("cat/x.jpg"), ImageFolderReader.ReadEntries(temp.Path).Single().ImagePath);

        File.WriteAllText(temp.File("cat/broken.jpg"), "<html>not an image</html>");
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ImageFolderReader.ReadEntries(temp.Path));

        StringAssert.Contains(error.Message, temp.File("cat/broken.jpg"));
        StringAssert.Contains(error.Message, "not a decodable image");
    }

    [TestMethod]
    [DataRow("Cat", "cat")]
    [DataRow("caf\u00e9", "cafe\u0301")] // é composed (NFC) and decomposed (NFD): two folders on Linux, one name to a user
    public void ClassNamesDifferingOnlyByCaseOrNormalization_AreRefused(string first, string second)
    {
        using var temp = new TempFolder();
        foreach (string name in new[] { first, second })
        {
            Directory.CreateDirectory(temp.File(name));
            File.Copy(s_jpeg, temp.File(Path.Combine(name, "0.jpg")));
        }
        if (Directory.GetDirectories(temp.Path).Length < 2)
            Assert.Inconclusive("this file system folds the two names into one folder");

        var error = Assert.ThrowsExactly<InvalidDataException>(() => ImageFolderReader.ReadEntries(temp.Path));

        StringAssert.Contains(error.Message, $"'{first}'");
        StringAssert.Contains(error.Message, "differ only by case or Unicode normalization");
    }

    [TestMethod]
    public void ImageBombInAFolder_IsRefusedFromItsHeader_NamingTheFile()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("cat"));
        File.Copy(s_jpeg, temp.File("cat/0.jpg"));
        File.WriteAllBytes(temp.File("cat/bomb.png"), ImageBomb.Png(20000, 20000));
        GC.Collect();
        long before = ProcessMemory.ResidentBytes();
        var watch = Stopwatch.StartNew();

        var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Data.LoadImageFolder(temp.Path));

        long grown = ProcessMemory.ResidentBytes() - before;
        TestContext.WriteLine($"refused in {watch.Elapsed.TotalMilliseconds:F0} ms, resident memory +{grown / 1e6:F1} MB: {error.Message}");
        StringAssert.Contains(error.Message, temp.File("cat/bomb.png"));
        StringAssert.Contains(error.Message, "20000x20000");
        Assert.IsLessThan(64L << 20, grown);
    }
}
