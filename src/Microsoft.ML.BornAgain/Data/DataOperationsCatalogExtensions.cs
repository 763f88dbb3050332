using Microsoft.ML.BornAgain.Data;

namespace Microsoft.ML.BornAgain;

/// <summary>
/// Loaders of public image data sets as <see cref="IDataView"/>s, on <c>mlContext.Data</c>. Every loader gives a text
/// <c>Label</c> column (the class name; start the pipeline with <c>MapValueToKey("Label")</c>). CIFAR and MNIST-format
/// loaders give an <c>Image</c> column of <see cref="Microsoft.ML.Data.MLImage"/> (type <c>Image&lt;H, W&gt;</c>,
/// Bgra32 like <c>LoadImages</c>); the image folder gives <c>ImagePath</c>, for <c>LoadImages("Image", null, "ImagePath")</c>.
/// From the <c>Image</c> column on, the same pipeline (ResizeImages, ExtractPixels, ...) serves all three sources.
/// </summary>
/// <remarks>
/// Images in the <c>Image</c> column are made as a cursor reaches each row and disposed when it moves on, as with
/// <c>LoadImages</c>: do not keep an image past its row, and cache (AppendCacheCheckpoint) only after ExtractPixels.
/// </remarks>
public static class DataOperationsCatalogExtensions
{
    /// <summary>Loads a CIFAR-10 or CIFAR-100 binary file as <c>Label</c> (text) and <c>Image</c> (32 x 32) columns.</summary>
    /// <param name="catalog">The <c>mlContext.Data</c> catalog.</param>
    /// <param name="path">The data file, e.g. <c>cifar-10-batches-bin/test_batch.bin</c> or <c>cifar-100-binary/train.bin</c>.</param>
    /// <param name="kind">CIFAR-10, or CIFAR-100 with fine or coarse labels.</param>
    /// <returns>The data view (rows in file order).</returns>
    /// <exception cref="FileNotFoundException">The data file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is malformed (see <see cref="CifarBinaryReader.ReadRecords(string, CifarLabelKind)"/>).</exception>
    public static IDataView LoadCifarBinary(this DataOperationsCatalog catalog, string path, CifarLabelKind kind = CifarLabelKind.Cifar10) =>
        catalog.LoadFromImageRecords(CifarBinaryReader.ReadRecords(path, kind));

    /// <summary>Loads several CIFAR binary files of one kind (e.g. <c>data_batch_1..5.bin</c>) as one data view.</summary>
    /// <param name="catalog">The <c>mlContext.Data</c> catalog.</param>
    /// <param name="paths">The data files in the order wanted; class names come from the meta file beside the first.</param>
    /// <param name="kind">CIFAR-10, or CIFAR-100 with fine or coarse labels.</param>
    /// <returns>The data view (rows in file order).</returns>
    /// <exception cref="FileNotFoundException">A data file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is malformed (see <see cref="CifarBinaryReader.ReadRecords(IReadOnlyList{string}, CifarLabelKind)"/>).</exception>
    public static IDataView LoadCifarBinary(this DataOperationsCatalog catalog, IReadOnlyList<string> paths, CifarLabelKind kind = CifarLabelKind.Cifar10) =>
        catalog.LoadFromImageRecords(CifarBinaryReader.ReadRecords(paths, kind));

    /// <summary>Loads an MNIST-format idx pair (gzipped or not) as <c>Label</c> (text) and <c>Image</c> (gray as R = G = B) columns.</summary>
    /// <param name="catalog">The <c>mlContext.Data</c> catalog.</param>
    /// <param name="imagesPath">The idx3 images file, e.g. <c>train-images-idx3-ubyte.gz</c>.</param>
    /// <param name="labelsPath">The idx1 labels file, e.g. <c>train-labels-idx1-ubyte.gz</c>.</param>
    /// <param name="classNames">Names by label; <see langword="null"/> for the digits "0".."9". Use
    /// <see cref="MnistIdxReader.FashionMnistClassNames"/> for Fashion-MNIST.</param>
    /// <returns>The data view (rows in file order).</returns>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is malformed (see <see cref="MnistIdxReader.ReadRecords"/>).</exception>
    public static IDataView LoadMnistIdx(this DataOperationsCatalog catalog, string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null) =>
        catalog.LoadFromImageRecords(MnistIdxReader.ReadRecords(imagesPath, labelsPath, classNames));

    /// <summary>Loads an image-folder tree <c>root/&lt;class&gt;/*.png|jpg|jpeg|bmp</c> as <c>ImagePath</c> and <c>Label</c> (text) columns.</summary>
    /// <param name="catalog">The <c>mlContext.Data</c> catalog.</param>
    /// <param name="root">The folder whose sub-folders are the classes.</param>
    /// <returns>The data view, classes then files in ordinal order.</returns>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">The tree holds no images.</exception>
    public static IDataView LoadImageFolder(this DataOperationsCatalog catalog, string root)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.LoadFromEnumerable(ImageFolderReader.ReadEntries(root));
    }

    /// <summary>Turns decoded records into <c>Label</c> (text class name) and <c>Image</c> (<c>Image&lt;H, W&gt;</c>) columns.</summary>
    /// <param name="catalog">The <c>mlContext.Data</c> catalog.</param>
    /// <param name="records">The records, e.g. from <see cref="CifarBinaryReader"/> or <see cref="MnistIdxReader"/>.</param>
    /// <returns>The data view (rows in record order; images made per row, Bgra32).</returns>
    public static IDataView LoadFromImageRecords(this DataOperationsCatalog catalog, ImageRecords records)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return ImageRecordsDataView.Create(catalog, records);
    }
}
