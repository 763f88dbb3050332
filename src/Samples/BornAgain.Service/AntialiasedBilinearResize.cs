namespace BornAgain.Service;

/// <summary>
/// The resize of the Born-Again transformer without LibTorch: LibTorch's
/// <c>interpolate(mode: bilinear, align_corners: false, antialias: shrinking)</c> on planar floats. Separable: each
/// output pixel of an axis is a normalized triangle-filter average of the input pixels within
/// <c>support = max(scale, 1)</c> of its centre, <c>scale = input / output</c>. When the image is enlarged along an
/// axis the support is 1 and the weights are exactly bilinear interpolation's (edge pixels repeated); when it shrinks,
/// the filter widens with the scale (antialiasing), as in PyTorch's <c>_upsample_bilinear2d_aa</c>.
/// </summary>
public static class AntialiasedBilinearResize
{
    /// <summary>Resizes <paramref name="channels"/> planes of <paramref name="inHeight"/> x <paramref name="inWidth"/>.</summary>
    public static void Resize(ReadOnlySpan<float> source, int channels, int inHeight, int inWidth, int outHeight, int outWidth, Span<float> destination)
    {
        if (source.Length != (long)channels * inHeight * inWidth || destination.Length != (long)channels * outHeight * outWidth)
            throw new ArgumentException($"Expected {channels}x{inHeight}x{inWidth} floats in and {channels}x{outHeight}x{outWidth} out.");
        var columns = Weights(inWidth, outWidth);
        var rows = Weights(inHeight, outHeight);
        var horizontal = new float[inHeight * outWidth];
        for (int c = 0; c < channels; c++)
        {
            var plane = source.Slice(c * inHeight * inWidth, inHeight * inWidth);
            for (int y = 0; y < inHeight; y++)
            {
                var row = plane.Slice(y * inWidth, inWidth);
                for (int x = 0; x < outWidth; x++)
                    horizontal[y * outWidth + x] = columns[x].Apply(row, 1);
            }
            var output = destination.Slice(c * outHeight * outWidth, outHeight * outWidth);
            for (int y = 0; y < outHeight; y++)
            {
                var taps = rows[y];
                for (int x = 0; x < outWidth; x++)
                    output[y * outWidth + x] = taps.Apply(horizontal.AsSpan(x), outWidth);
            }
        }
    }

    /// <summary>One output pixel's input range along an axis and their weights (summing to 1).</summary>
    private sealed record Taps(int First, float[] Weights)
    {
        /// <summary>The weighted sum of <c>values[(First + j) * stride]</c>.</summary>
        public float Apply(ReadOnlySpan<float> values, int stride)
        {
            float sum = 0;
            for (int j = 0; j < Weights.Length; j++)
                sum += Weights[j] * values[(First + j) * stride];
            return sum;
        }
    }

    // PyTorch's _compute_indices_min_size_weights_aa with the bilinear (triangle) filter.
    private static Taps[] Weights(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double support = scale >= 1 ? scale : 1.0;
        double inverse = scale >= 1 ? 1 / scale : 1.0;
        var taps = new Taps[outSize];
        for (int i = 0; i < outSize; i++)
        {
            double center = scale * (i + 0.5);
            int first = Math.Max((int)(center - support + 0.5), 0);
            int count = Math.Min((int)(center + support + 0.5), inSize) - first;
            var weights = new double[count];
            double total = 0;
            for (int j = 0; j < count; j++)
            {
                double distance = Math.Abs((j + first - center + 0.5) * inverse);
                weights[j] = distance < 1 ? 1 - distance : 0;
                total += weights[j];
            }
            taps[i] = new Taps(first, weights.Select(w => total == 0 ? 0f : (float)(w / total)).ToArray());
        }
        return taps;
    }
}
