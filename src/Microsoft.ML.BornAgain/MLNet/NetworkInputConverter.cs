using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// Brings a decoded image to the network's input shape: colour to grayscale (ITU-R BT.601 luma) or grayscale to
/// colour, and a bilinear, antialiased resize when the size differs (documented behaviour for mixed sizes). An
/// 8-bit image stays 8-bit: converted values are rounded to whole numbers 0..255, as an image library would store
/// them, so training (which keeps them as bytes) and scoring see exactly the same pixels.
/// </summary>
internal static class NetworkInputConverter
{
    private static readonly float[] LumaWeights = { 0.299f, 0.587f, 0.114f };

    /// <summary>Writes <paramref name="image"/> as <paramref name="target"/> (C x H x W, planar) into <paramref name="destination"/>.</summary>
    public static void Write(in DecodedImage image, ImageShape target, Span<float> destination)
    {
        int plane = image.Height * image.Width;
        float[] pixels = ConvertChannels(image, target.Channels, plane);
        if (image.Height == target.Height && image.Width == target.Width)
        {
            pixels.AsSpan(0, target.PixelCount).CopyTo(destination);
        }
        else
        {
            using var scope = NewDisposeScope();
            var source = tensor(pixels, new long[] { 1, target.Channels, image.Height, image.Width });
            bool shrinking = image.Height > target.Height || image.Width > target.Width;
            var resized = nn.functional.interpolate(source, new long[] { target.Height, target.Width },
                mode: InterpolationMode.Bilinear, align_corners: false, antialias: shrinking);
            resized.contiguous().data<float>().CopyTo(destination);
        }

        if (image.IsEightBit && (image.Channels != target.Channels || image.Height != target.Height || image.Width != target.Width))
            RoundToBytes(destination[..target.PixelCount]);
    }

    private static void RoundToBytes(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = Math.Clamp(MathF.Round(values[i]), 0f, 255f);
    }

    private static float[] ConvertChannels(in DecodedImage image, int channels, int plane)
    {
        if (image.Channels == channels)
            return image.Pixels;
        if (channels == 1 && image.IsGrayscale)
            return image.Pixels[..plane]; // R = G = B: any plane is the image, exactly (luma weights would round)
        var result = new float[channels * plane];
        if (channels == 1 && image.Channels == 3)
        {
            for (int i = 0; i < plane; i++)
                result[i] = LumaWeights[0] * image.Pixels[i] + LumaWeights[1] * image.Pixels[plane + i] + LumaWeights[2] * image.Pixels[2 * plane + i];
            return result;
        }
        if (channels == 3 && image.Channels == 1)
        {
            for (int c = 0; c < 3; c++)
                image.Pixels.AsSpan(0, plane).CopyTo(result.AsSpan(c * plane, plane));
            return result;
        }
        throw new InvalidDataException($"Cannot convert an image of {image.Channels} channels to the network's {channels}.");
    }
}
