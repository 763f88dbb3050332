namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>Channels x height x width of an image or of the network input.</summary>
internal readonly record struct ImageShape(int Channels, int Height, int Width)
{
    public int PixelCount => Channels * Height * Width;

    public override string ToString() => $"{Channels}x{Height}x{Width}";
}
