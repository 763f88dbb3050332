namespace Microsoft.ML.BornAgain;

/// <summary>
/// Lists an image-folder tree, <c>root/&lt;class&gt;/*.png|jpg|jpeg|bmp</c> (the layout of ML.NET's image
/// classification samples), as (full path, class name) entries.
/// </summary>
/// <remarks>
/// The order is deterministic on every platform: classes sorted ordinally by folder name, then files sorted ordinally
/// by name. Only files directly inside a class folder count; files in the root itself, deeper sub-folders, other
/// extensions and class folders without images are ignored. Extensions match case-insensitively. The images are not
/// opened here: ML.NET's <c>LoadImages</c> decodes them. See
/// <see cref="DataOperationsCatalogExtensions.LoadImageFolder"/> for the <see cref="IDataView"/> form.
/// </remarks>
public static class ImageFolderReader
{
    /// <summary>File extensions taken as images (compared case-insensitively).</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = Array.AsReadOnly([".png", ".jpg", ".jpeg", ".bmp"]);

    /// <summary>Lists the images of the tree under <paramref name="root"/>, classes then files in ordinal order.</summary>
    /// <param name="root">The folder whose sub-folders are the classes.</param>
    /// <returns>One entry per image file, at least one.</returns>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">The tree holds no image file in any class folder.</exception>
    public static IReadOnlyList<ImageFolderEntry> ReadEntries(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        string fullRoot = Path.GetFullPath(root);
        if (!Directory.Exists(fullRoot))
        {
            throw new DirectoryNotFoundException($"Image folder '{fullRoot}' does not exist.");
        }

        var entries = new List<ImageFolderEntry>();
        var classFolders = Directory.GetDirectories(fullRoot).Order(StringComparer.Ordinal);
        foreach (string classFolder in classFolders)
        {
            string label = Path.GetFileName(classFolder);
            var images = Directory.GetFiles(classFolder).Where(IsImage).Order(StringComparer.Ordinal);
            entries.AddRange(images.Select(image => new ImageFolderEntry(image, label)));
        }

        if (entries.Count == 0)
        {
            throw new InvalidDataException(
                $"Image folder '{fullRoot}' has no images: expected class sub-folders holding "
                + $"{string.Join("|", ImageExtensions)} files (root/<class>/<image>).");
        }

        return entries.AsReadOnly();
    }

    private static bool IsImage(string path) =>
        ImageExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);
}
