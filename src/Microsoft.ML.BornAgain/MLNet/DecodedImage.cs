namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>One image read from a row: channel-planar pixels (C x H x W) at the image's own size.</summary>
internal readonly record struct DecodedImage(float[] Pixels, int Channels, int Height, int Width, bool IsGrayscale);
