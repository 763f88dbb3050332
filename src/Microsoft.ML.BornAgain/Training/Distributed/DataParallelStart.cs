using System.Security.Cryptography;
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
    /// Per-channel mean and standard deviation of all ranks' images together, from per-channel sums and sums of
    /// squares in double precision (one allreduce), as <see cref="ChannelNormalization.FromImages"/> computes them for
    /// a single process.
    /// </summary>
    public static ChannelNormalization Normalization(DataParallelGroup group, Tensor images)
    {
        int channels = (int)images.shape[1];
        var sums = new double[2 * channels + 1];
        using (var scope = NewDisposeScope())
        {
            var perChannel = images.transpose(0, 1).reshape(channels, -1).to_type(ScalarType.Float64); // [C, n*H*W]
            var sum = perChannel.sum(1).data<double>().ToArray();
            var squares = perChannel.square().sum(1).data<double>().ToArray();
            sum.CopyTo(sums, 0);
            squares.CopyTo(sums, channels);
            sums[2 * channels] = perChannel.shape[1];
        }
        group.Sum(sums);
        double count = sums[2 * channels];
        var mean = new float[channels];
        var deviation = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double m = sums[c] / count;
            double variance = Math.Max(0, sums[channels + c] / count - m * m);
            mean[c] = (float)m;
            float s = (float)Math.Sqrt(variance);
            deviation[c] = s > 1e-6f ? s : 1f;
        }
        return new ChannelNormalization(mean, deviation);
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
