namespace Microsoft.ML.BornAgain;

/// <summary>
/// Lists an image-folder tree, <c>root/&lt;class&gt;/*.png|jpg|jpeg|bmp</c> (the layout of ML.NET's image
/// classification samples), as (full path, class name) entries.
/// </summary>
/// <remarks>
/// The order is deterministic on every platform: classes sorted ordinally by folder name, then files sorted ordinally
/// by name. Only files directly inside a class folder count; files in the root itself, deeper sub-folders, other
/// extensions and class folders without images are ignored. Extensions match case-insensitively. Hidden files (names
/// starting with '.', such as the <c>._photo.jpg</c> AppleDouble files macOS writes beside copied images) are
/// skipped. See <see cref="DataOperationsCatalogExtensions.LoadImageFolder"/> for the <see cref="IDataView"/> form.
/// <para>A tree from an untrusted source cannot reach outside itself or hide a bad file: a class folder or image that
/// is a symbolic link resolving outside the root is refused; every image's header is read (only its first bytes; no
/// pixel is decoded), so a file that is not a decodable image, or one larger than the pixel limit, is refused naming
/// the file; two class folders whose names differ only by case or Unicode normalization (<c>Cat</c> and
/// <c>cat</c>) are refused rather than made two classes that a user cannot tell apart or merged silently.</para>
/// </remarks>
public static class ImageFolderReader
{
    /// <summary>File extensions taken as images (compared case-insensitively).</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = Array.AsReadOnly([".png", ".jpg", ".jpeg", ".bmp"]);

    /// <summary>Lists the images of the tree under <paramref name="root"/>, classes then files in ordinal order.</summary>
    /// <param name="root">The folder whose sub-folders are the classes.</param>
    /// <returns>One entry per image file, at least one.</returns>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The tree holds no image file in any class folder; or a class folder or image links outside the root; or an
    /// image file is not decodable or has more than 16,777,216 pixels (4096 x 4096); or two class names differ only by
    /// case or normalization. The message names the file or folders.
    /// </exception>
    public static IReadOnlyList<ImageFolderEntry> ReadEntries(string root) =>
        ReadEntries(root, MLNet.EncodedImageHeader.DefaultMaxPixels);

    /// <summary>
    /// Lists the images of the tree under <paramref name="root"/> as <see cref="ReadEntries(string)"/> does, with
    /// another pixel limit (match the trainer's <c>MaxImagePixels</c>).
    /// </summary>
    /// <param name="root">The folder whose sub-folders are the classes.</param>
    /// <param name="maxImagePixels">The most pixels (width x height) an image may have, read from its header; at least 1.</param>
    /// <returns>One entry per image file, at least one.</returns>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">See <see cref="ReadEntries(string)"/>.</exception>
    public static IReadOnlyList<ImageFolderEntry> ReadEntries(string root, long maxImagePixels)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        MLNet.EncodedImageHeader.CheckLimit(maxImagePixels, nameof(maxImagePixels));
        string fullRoot = Path.GetFullPath(root);
        if (!Directory.Exists(fullRoot))
        {
            throw new DirectoryNotFoundException($"Image folder '{fullRoot}' does not exist.");
        }

        var entries = new List<ImageFolderEntry>();
        var classFolders = Directory.GetDirectories(fullRoot).Where(d => !IsHidden(d)).Order(StringComparer.Ordinal).ToList();
        CheckDistinctClassNames(fullRoot, classFolders);
        foreach (string classFolder in classFolders)
        {
            CheckInsideRoot(fullRoot, classFolder, isDirectory: true);
            string label = Path.GetFileName(classFolder);
            var images = Directory.GetFiles(classFolder).Where(f => IsImage(f) && !IsHidden(f)).Order(StringComparer.Ordinal);
            foreach (string image in images)
            {
                CheckInsideRoot(fullRoot, image, isDirectory: false);
                CheckHeader(image, maxImagePixels);
                entries.Add(new ImageFolderEntry(image, label));
            }
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

    private static bool IsHidden(string path) => Path.GetFileName(path).StartsWith('.');

    /// <summary>Refuses a symbolic link (or junction) whose final target is outside <paramref name="root"/>.</summary>
    private static void CheckInsideRoot(string root, string path, bool isDirectory)
    {
        FileSystemInfo info = isDirectory ? new DirectoryInfo(path) : new FileInfo(path);
        if (info.LinkTarget is null)
            return;
        string target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.LinkTarget;
        target = Path.GetFullPath(target, Path.GetDirectoryName(path)!);
        string rootWithSeparator = Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar;
        if (!target.StartsWith(rootWithSeparator, OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException(
                $"Image folder '{root}': '{path}' is a symbolic link to '{target}', outside the folder; links out of the " +
                "image folder are not followed. Copy the images into the folder instead.");
        }
    }

    private static void CheckHeader(string image, long maxImagePixels)
    {
        (int Width, int Height)? size;
        try
        {
            size = MLNet.EncodedImageHeader.TryReadSize(image);
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"Image file '{image}' could not be read: {e.Message}", e);
        }
        if (size is not { } s)
        {
            throw new InvalidDataException(
                $"Image file '{image}' is not a decodable image: expected PNG, JPEG or BMP bytes, found {new FileInfo(image).Length} " +
                "bytes in no known image format. Remove it from the folder.");
        }
        long pixels = MLNet.EncodedImageHeader.PixelCount(s.Width, s.Height);
        if (pixels > maxImagePixels)
        {
            throw new InvalidDataException(
                $"Image file '{image}' is {s.Width}x{s.Height} = {pixels} pixels; at most {maxImagePixels} are accepted " +
                "(the maxImagePixels argument; the trainer's option MaxImagePixels).");
        }
    }

    /// <summary>Refuses class folders whose names differ only by case or Unicode normalization.</summary>
    private static void CheckDistinctClassNames(string root, IReadOnlyList<string> classFolders)
    {
        var clash = classFolders.Select(Path.GetFileName)
            .GroupBy(name => name!.Normalize(System.Text.NormalizationForm.FormKC).ToUpperInvariant(), StringComparer.Ordinal)
            .FirstOrDefault(group => group.Count() > 1);
        if (clash is not null)
        {
            throw new InvalidDataException(
                $"Image folder '{root}' has class folders whose names differ only by case or Unicode normalization: " +
                $"{string.Join(", ", clash.Select(n => $"'{n}'"))}. Expected one folder per class; merge or rename them.");
        }
    }
}
