namespace Microsoft.ML.BornAgain;

/// <summary>One image file of an image-folder tree: its full path and its class (the name of its folder).</summary>
/// <remarks>Property names are the column names of <see cref="DataOperationsCatalogExtensions.LoadImageFolder"/>.</remarks>
public sealed class ImageFolderEntry
{
    /// <summary>Creates an entry.</summary>
    /// <param name="imagePath">Full path of the image file.</param>
    /// <param name="label">Class name: the image's folder name.</param>
    public ImageFolderEntry(string imagePath, string label)
    {
        ImagePath = imagePath;
        Label = label;
    }

    /// <summary>Full path of the image file (the <c>ImagePath</c> column, input of ML.NET's <c>LoadImages</c>).</summary>
    public string ImagePath { get; }

    /// <summary>Class name: the name of the folder holding the image (the <c>Label</c> column).</summary>
    public string Label { get; }
}
