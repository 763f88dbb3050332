namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>The column types the trainer reads images from.</summary>
internal enum ImageColumnKind
{
    /// <summary>An <c>MLImage</c> column, from <c>LoadImages</c> (with or without <c>ResizeImages</c>).</summary>
    Image = 1,

    /// <summary>Encoded image file bytes (PNG, JPEG, BMP...): <c>VarVector&lt;Byte&gt;</c> from <c>LoadRawImageBytes</c> or a <c>byte[]</c> field.</summary>
    EncodedBytes = 2,

    /// <summary>A known-size <c>Vector&lt;Single&gt;</c> of channel-planar pixels (C x H x W), as <c>ExtractPixels</c> writes by default.</summary>
    PixelVector = 3,
}
