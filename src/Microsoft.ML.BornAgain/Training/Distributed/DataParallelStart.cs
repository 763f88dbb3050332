using System.Security.Cryptography;
using Microsoft.ML.BornAgain.Networks;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training.Distributed;

/// <summary>
/// What the ranks settle together before the first step: that they train with the same options on data of the same
/// shape (one allreduce of a fingerprint), the normalization statistics of the whole data set rather than of one
/// shard, and the fingerprint of their common checkpoint.
/// </summary>
internal static class DataParallelStart
{
    /// <summary>Throws on every rank when the ranks' options, seed, data shape or validation data differ.</summary>
    public static void CheckSameSettings(DataParallelGroup group, BornAgainTrainingOptions options, long seed,
        ImageTensorDataset train, ImageTensorDataset? validation)
    {
        long total = group.Gather(train.Count).Sum();
        string settings = TrainingCheckpoint.SettingsText(options, seed, checked((int)total), train.Channels, train.Height,
            train.Width, train.ClassCount);
        long validationHash = 0;
        if (validation is not null)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var images = validation.Images.contiguous();
            hash.AppendData(images.bytes);
            using var labels = validation.Labels.contiguous();
            hash.AppendData(labels.bytes);
            validationHash = BitConverter.ToInt64(hash.GetHashAndReset(), 0);
        }
        group.CheckSame("the training settings",
            new[] { HashHead(Encoding.UTF8.GetBytes(settings)), train.Channels, train.Height, train.Width, train.ClassCount,
                validation?.Count ?? -1, validationHash },
            new[] { "options and seed (hash)", "image channels", "image height", "image width", "classes", "validation images", "validation data (hash)" });
    }

    /// <summary>
    /// Per-channel mean and standard deviation of all ranks' images together, as
    /// <see cref="ChannelNormalization.FromImages"/> computes them for one process: in double precision, a block of
    /// images at a time, the sums then the squared deviations from the global mean, each summed over the ranks by one
    /// allreduce.
    /// </summary>
    public static ChannelNormalization Normalization(DataParallelGroup group, Tensor images)
    {
        int channels = (int)images.shape[1];
        var sums = new double[channels + 1];
        SumBlocks(images, null, sums);
        sums[channels] = (double)images.shape[0] * images.shape[2] * images.shape[3];
        group.Sum(sums);
        double count = sums[channels];
        var mean = sums.Take(channels).Select(s => s / count).ToArray();

        var squares = new double[channels];
        SumBlocks(images, mean, squares);
        group.Sum(squares);
        var deviation = squares.Select(q => (float)Math.Sqrt(q / count)).Select(s => s > 1e-6f ? s : 1f).ToArray();
        return new ChannelNormalization(mean.Select(m => (float)m).ToArray(), deviation);
    }

    /// <summary>Per-channel sums of the pixels, or of their squared deviations from <paramref name="mean"/>, into <paramref name="result"/>.</summary>
    private static void SumBlocks(Tensor images, double[]? mean, double[] result)
    {
        const long ImagesPerBlock = 1024;
        long count = images.shape[0];
        var reduced = new long[] { 0, 2, 3 };
        using var scope = NewDisposeScope();
        var total = zeros(images.shape[1], ScalarType.Float64);
        var center = mean is null ? null : tensor(mean).view(1, -1, 1, 1);
        for (long start = 0; start < count; start += ImagesPerBlock)
        {
            using var block = NewDisposeScope();
            var pixels = images.narrow(0, start, Math.Min(ImagesPerBlock, count - start)).to_type(ScalarType.Float64);
            var deviations = center is null ? null : pixels.sub(center);
            var values = deviations is null ? pixels : deviations.mul(deviations); // square() would make a temporary 2
            total.add_(values.sum(reduced), KeptScalars.One);
        }
        total.data<double>().ToArray().CopyTo(result, 0);
    }

    /// <summary>The checkpoint fingerprint of the whole run: every rank's own fingerprint (of its shard) and the rank count.</summary>
    public static string CheckpointFingerprint(DataParallelGroup group, BornAgainTrainingOptions options, ImageTensorDataset train, long seed)
    {
        var own = Convert.FromHexString(TrainingCheckpoint.ComputeFingerprint(options, train, seed));
        const int Words = 4; // a SHA-256 in longs
        var all = new long[Words * group.Size];
        for (int w = 0; w < Words; w++)
            all[group.Rank * Words + w] = BitConverter.ToInt64(own, 8 * w);
        group.Sum(all); // every rank's fingerprint in its own slot: an allgather
        var bytes = all.SelectMany(BitConverter.GetBytes).Concat(Encoding.UTF8.GetBytes($"|ranks={group.Size}")).ToArray();
        return Convert.ToHexString(SHA256.HashData(bytes));
    }

    private static long HashHead(byte[] bytes) => BitConverter.ToInt64(SHA256.HashData(bytes), 0);
}
