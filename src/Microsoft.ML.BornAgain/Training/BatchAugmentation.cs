using Microsoft.ML.BornAgain.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// The standard CIFAR augmentation (Zagoruyko &amp; Komodakis 2016, used by the Born-Again paper): a random crop of
/// the image padded by <c>padding</c> pixels per side with reflection, and a random horizontal flip.
/// </summary>
/// <remarks>
/// Selecting the batch, cropping and flipping are one gather: the crop offsets and flips only decide which stored
/// pixel lands where, so a [B, H, W] index into the dataset's channels-last pixels is computed from the drawn offsets
/// (a few hundred kilobytes of integers) and the pixels, bytes for decoded images, are read once. Padding never
/// exists as pixels: a lookup table maps each padded coordinate to the source row or column it reflects. The draws
/// come from a seeded generator in a fixed order, so the same seed gives the same batches.
/// </remarks>
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

    /// <summary>
    /// The images at <paramref name="indices"/> ([B]) of <paramref name="pixels"/> ([N, H, W, C], any type),
    /// augmented, as [B, C, H, W] in channels-last memory order and the pixels' type.
    /// </summary>
    public Tensor Apply(Tensor pixels, Tensor indices, Generator generator)
    {
        using var scope = NewDisposeScope();
        long count = pixels.shape[0], height = pixels.shape[1], width = pixels.shape[2], channels = pixels.shape[3];
        var batchPixels = IsIdentity
            ? pixels.index_select(0, indices)
            : Gather(pixels, indices, generator, count, height, width, channels);
        return batchPixels.permute(0, 3, 1, 2).MoveToOuterDisposeScope(); // [B, C, H, W], channels-last
    }

    private Tensor Gather(Tensor pixels, Tensor indices, Generator generator, long count, long height, long width, long channels)
    {
        long batch = indices.shape[0];
        var device = pixels.device;
        // Reflection needs padding < size; tiny images fall back to zero padding.
        bool reflect = _padding < height && _padding < width;
        using Scalar zero = 0; // held until LibTorch is done with it, like every scalar below

        // Positions in padded coordinates: [B, H] rows and [B, W] columns (without padding, the image's own).
        Tensor rows, columns;
        if (_padding > 0)
        {
            var offsetY = randint(2 * _padding + 1, new long[] { batch, 1 }, ScalarType.Int64, device, generator: generator);
            var offsetX = randint(2 * _padding + 1, new long[] { batch, 1 }, ScalarType.Int64, device, generator: generator);
            rows = offsetY.add(Range(height, device).unsqueeze(0), KeptScalars.One);
            columns = offsetX.add(Range(width, device).unsqueeze(0), KeptScalars.One);
        }
        else
        {
            rows = Range(height, device).unsqueeze(0).expand(batch, height);
            columns = Range(width, device).unsqueeze(0).expand(batch, width);
        }

        if (_flip)
        {
            using Scalar half = 0.5;
            var flipMask = rand(new long[] { batch, 1, 1, 1 }, device: device, generator: generator).lt(half).view(batch, 1);
            columns = where(flipMask, columns.flip(1), columns); // a mirrored crop reads its columns right to left
        }

        // Padded coordinate -> stored row or column (-1 for a zero-padded one).
        var sourceRows = SourceTable(height, reflect, device).take(rows); // [B, H]
        var sourceColumns = SourceTable(width, reflect, device).take(columns); // [B, W]
        using Scalar planeSize = height * width, rowSize = width;
        var index = indices.view(batch, 1, 1).mul(planeSize)
            .add(sourceRows.clamp_min(zero).mul(rowSize).view(batch, height, 1), KeptScalars.One)
            .add(sourceColumns.clamp_min(zero).view(batch, 1, width), KeptScalars.One); // [B, H, W]
        var gathered = pixels.view(count * height * width, channels).index_select(0, index.view(-1))
            .view(batch, height, width, channels);
        if (reflect || _padding == 0)
            return gathered;
        var outside = sourceRows.lt(zero).view(batch, height, 1, 1).logical_or(sourceColumns.lt(zero).view(batch, 1, width, 1));
        return gathered.masked_fill(outside, zero);
    }

    private static Tensor Range(long size, Device device)
    {
        using Scalar end = size;
        return arange(KeptScalars.Zero, end, KeptScalars.One, ScalarType.Int64, device); // arange(end) would make its own 0 and 1
    }

    /// <summary>For each of the size + 2p padded coordinates, the stored coordinate it shows: reflected at the edges
    /// (PyTorch's "reflect" padding, the edge itself not repeated), or -1 where zero padding shows nothing.</summary>
    private Tensor SourceTable(long size, bool reflect, Device device)
    {
        var table = new long[size + 2 * _padding];
        for (long i = 0; i < table.Length; i++)
        {
            long k = i - _padding;
            table[i] = k >= 0 && k < size ? k
                : !reflect ? -1
                : k < 0 ? -k
                : 2 * (size - 1) - k;
        }
        return tensor(table, device: device);
    }
}
