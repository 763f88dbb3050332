namespace Microsoft.ML.BornAgain.Training.Distributed;

/// <summary>
/// Which rows each rank holds and which rows of every global batch it takes. The whole data set's row i belongs to
/// rank i mod N (so shards differ by at most one row and keep the data's class balance); every epoch a rank shuffles
/// its shard with a generator seeded by the generation's seed, the rank and the epoch; step s takes the next
/// <see cref="ShareOf"/> rows of it. <see cref="BornAgainTrainingOptions.BatchSize"/> stays the global batch: the
/// shares add up to it, and an epoch has as many steps as a single process's epoch over the whole data.
/// </summary>
internal sealed class DataParallelBatches
{
    private readonly int _rank;
    private readonly long[] _shardCounts;

    /// <param name="rank">This process's rank.</param>
    /// <param name="shardCounts">Every rank's shard size, indexed by rank.</param>
    /// <param name="batchSize">The options' global batch size.</param>
    public DataParallelBatches(int rank, long[] shardCounts, int batchSize)
    {
        _rank = rank;
        _shardCounts = shardCounts;
        long total = shardCounts.Sum();
        if (total > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(shardCounts), total, "At most 2^31 - 1 training images.");
        GlobalCount = (int)total;
        BatchSize = (int)Math.Min(batchSize, total);
        // As a single process: a last batch of one image is dropped (batch normalization needs two).
        BatchesPerEpoch = GlobalCount / BatchSize + (GlobalCount % BatchSize >= 2 ? 1 : 0);
    }

    /// <summary>Images over all ranks.</summary>
    public int GlobalCount { get; }

    /// <summary>The global batch size (the option, or the image count when that is smaller).</summary>
    public int BatchSize { get; }

    /// <summary>Steps per epoch, the same on every rank.</summary>
    public int BatchesPerEpoch { get; }

    private int Ranks => _shardCounts.Length;

    /// <summary>True when the whole data set's row <paramref name="row"/> belongs to <paramref name="rank"/>'s shard.</summary>
    public static bool InShard(long row, int rank, int size) => row % size == rank;

    /// <summary>The size of <paramref name="rank"/>'s shard of <paramref name="total"/> rows.</summary>
    public static long ShardCount(long total, int rank, int size) => total / size + (rank < total % size ? 1 : 0);

    /// <summary>Rows of every global batch that <paramref name="rank"/> takes (the batch split as evenly as it goes).</summary>
    public int ShareOf(int rank) => BatchSize / Ranks + (rank < BatchSize % Ranks ? 1 : 0);

    /// <summary>This rank's rows of step <paramref name="step"/>: positions [Start, Start + Length) of its shuffled shard.</summary>
    public (int Start, int Length) LocalRows(int step) => RowsOf(_rank, step);

    /// <summary>The rows of step <paramref name="step"/> over all ranks (each rank computes every rank's share).</summary>
    public int GlobalLength(int step) => Enumerable.Range(0, Ranks).Sum(r => RowsOf(r, step).Length);

    private (int Start, int Length) RowsOf(int rank, int step)
    {
        long share = ShareOf(rank);
        long start = Math.Min(step * share, _shardCounts[rank]);
        long length = Math.Min(share, _shardCounts[rank] - start);
        return ((int)start, (int)length);
    }

    /// <summary>The data generator's seed of one rank's epoch: rank and epoch mixed into the generation's seed.</summary>
    public ulong EpochSeed(long generationSeed, int epoch)
    {
        // SplitMix64's finalizer spreads the three numbers over the seed's bits.
        ulong z = unchecked((ulong)generationSeed * 0x9E3779B97F4A7C15UL + (ulong)_rank * 0xBF58476D1CE4E5B9UL + (ulong)epoch * 0x94D049BB133111EBUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
