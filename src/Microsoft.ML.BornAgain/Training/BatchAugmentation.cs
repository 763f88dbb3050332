using Microsoft.ML.BornAgain.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// The standard CIFAR augmentation (Zagoruyko &amp; Komodakis 2016, used by the Born-Again paper): a random crop of
/// the image padded by <c>padding</c> pixels per side with reflection, and a random horizontal flip. Whole-batch
/// tensor operations drawn from a seeded generator, so there is no per-image managed work on the hot path and the
/// same seed gives the same batches.
/// </summary>
internal sealed class BatchAugmentation
{
    private readonly int _padding;
    private readonly bool _flip;

    public BatchAugmentation(int padding, bool horizontalFlip)
    {
        if (padding < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), padding, "Must be zero or positive.");
        _padding = padding;
        _flip = horizontalFlip;
    }

    /// <summary>True when the augmentation changes nothing (no crop, no flip).</summary>
    public bool IsIdentity => _padding == 0 && !_flip;

    /// <summary>Returns an augmented copy of <paramref name="images"/> ([B, C, H, W]).</summary>
    public Tensor Apply(Tensor images, Generator generator)
    {
        if (IsIdentity)
            return images.alias();

        using var scope = NewDisposeScope();
        long batch = images.shape[0], channels = images.shape[1], height = images.shape[2], width = images.shape[3];
        var result = images;

        if (_padding > 0)
        {
            // Reflection needs padding < size; tiny images fall back to zero padding.
            var mode = _padding < height && _padding < width ? PaddingModes.Reflect : PaddingModes.Zeros;
            var padded = nn.functional.pad(images, new long[] { _padding, _padding, _padding, _padding }, mode); // [B, C, H+2p, W+2p]
            var offsetY = randint(2 * _padding + 1, new long[] { batch, 1 }, ScalarType.Int64, images.device, generator: generator);
            var offsetX = randint(2 * _padding + 1, new long[] { batch, 1 }, ScalarType.Int64, images.device, generator: generator);
            // KeptScalars.One, not `+`: TorchSharp's `+` makes a temporary Scalar that a collection could free mid-call.
            var rows = offsetY.add(arange(height, ScalarType.Int64, images.device).unsqueeze(0), KeptScalars.One); // [B, H]
            var columns = offsetX.add(arange(width, ScalarType.Int64, images.device).unsqueeze(0), KeptScalars.One); // [B, W]
            var rowIndex = rows.view(batch, 1, height, 1).expand(batch, channels, height, padded.shape[3]);
            var cropRows = padded.gather(2, rowIndex); // [B, C, H, W+2p]
            var columnIndex = columns.view(batch, 1, 1, width).expand(batch, channels, height, width);
            result = cropRows.gather(3, columnIndex); // [B, C, H, W]
        }

        if (_flip)
        {
            using Scalar half = 0.5; // held until LibTorch is done with it
            var flipMask = rand(new long[] { batch, 1, 1, 1 }, device: images.device, generator: generator).lt(half); // [B, 1, 1, 1]
            result = where(flipMask, result.flip(3), result);
        }

        return result.MoveToOuterDisposeScope();
    }
}
