using Microsoft.ML.BornAgain.Data;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.Tests.Data;

/// <summary>Image-folder trees: order, labels, filtering, errors, and the ImagePath/Label view.</summary>
[TestClass]
public sealed class ImageFolderReaderTests
{
    [TestMethod]
    public void ListsClassesThenFilesInOrdinalOrder_IgnoringRootFiles()
    {
        var entries = ImageFolderReader.ReadEntries(Fixtures.ImageFolder);

        var expected = new[] { "airplane", "automobile", "bird" }
            .SelectMany(c => new[] { "0000.jpg", "0001.jpg" }.Select(f => (Path.Combine(Fixtures.ImageFolder, c, f), c)));
        CollectionAssert.AreEqual(expected.ToArray(), entries.Select(e => (e.ImagePath, e.Label)).ToArray());
    }

    [TestMethod]
    public void OrderIsOrdinal_AndOnlyImageExtensionsCount()
    {
        using var temp = new TempFolder();
        string jpeg = Path.Combine(Fixtures.ImageFolder, "bird", "0000.jpg");
        foreach (string folder in new[] { "b", "C", "a", "empty" })
        {
            Directory.CreateDirectory(temp.File(folder));
        }

        File.Copy(jpeg, temp.File("b/x.JPG"));
        File.Copy(jpeg, temp.File("b/Y.jpeg"));
        File.Copy(jpeg, temp.File("b/notes.txt"));
        File.Copy(jpeg, temp.File("C/z.png"));
        File.Copy(jpeg, temp.File("a/w.bmp"));
        File.Copy(jpeg, temp.File("root.jpg"));

        var entries = ImageFolderReader.ReadEntries(temp.Path);

        // Ordinal: "C" < "a" < "b", and "Y.jpeg" < "x.JPG"; the empty class, the .txt and the root file are skipped.
        // (Class names differing only by case, such as "B" and "b", are refused: see HostileImageFolderTests.)
        CollectionAssert.AreEqual(
            new[] { "C/z.png", "a/w.bmp", "b/Y.jpeg", "b/x.JPG" },
            entries.Select(e => Path.GetRelativePath(temp.Path, e.ImagePath).Replace('\\', '/')).ToArray());
        CollectionAssert.AreEqual(new[] { "C", "a", "b", "b" }, entries.Select(e => e.Label).ToArray());
    }

    [TestMethod]
    public void MissingFolder_ThrowsDirectoryNotFoundNamingIt()
    {
        string path = Path.Combine(Fixtures.Root, "no-such-folder");

        var error = Assert.ThrowsExactly<DirectoryNotFoundException>(() => ImageFolderReader.ReadEntries(path));

        StringAssert.Contains(error.Message, path);
    }

    [TestMethod]
    public void TreeWithoutImages_ThrowsAClearError()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("cat"));
        File.WriteAllText(temp.File("cat/readme.txt"), "not an image");

        var error = Assert.ThrowsExactly<InvalidDataException>(() => ImageFolderReader.ReadEntries(temp.Path));

        StringAssert.Contains(error.Message, temp.Path);
        StringAssert.Contains(error.Message, "no images");
    }

    [TestMethod]
    public void LoadImageFolder_GivesImagePathAndLabelTextColumns()
    {
        var ml = new MLContext(seed: 1);

        var view = ml.Data.LoadImageFolder(Fixtures.ImageFolder);

        Assert.AreEqual(TextDataViewType.Instance, view.Schema["ImagePath"].Type);
        Assert.AreEqual(TextDataViewType.Instance, view.Schema["Label"].Type);
        Assert.AreEqual(6L, view.GetRowCount());
        var labels = view.GetColumn<string>("Label").ToArray();
        CollectionAssert.AreEqual(new[] { "airplane", "airplane", "automobile", "automobile", "bird", "bird" }, labels);
    }
}
