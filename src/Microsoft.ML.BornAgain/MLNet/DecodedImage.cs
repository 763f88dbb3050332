namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// One image read from a row: channel-planar pixels (C x H x W) at the image's own size. <paramref name="IsEightBit"/>
/// is true for images decoded from a file or an <c>MLImage</c> (whole values 0..255, kept as bytes in training);
/// pixel vectors hold the user's own values.
/// </summary>
internal readonly record struct DecodedImage(float[] Pixels, int Channels, int Height, int Width, bool IsGrayscale, bool IsEightBit);
