using System.Globalization;

namespace Microsoft.ML.BornAgain.Training.Distributed;

/// <summary>
/// The processes of one data-parallel training (MPI_COMM_WORLD): this process's rank, the rank count, and the
/// collective operations training needs. MPI is initialized once per process, when a training first asks for data
/// parallelism, and finalized when the process exits.
/// </summary>
internal sealed unsafe class DataParallelGroup
{
    /// <summary>The variable MPICH's mpiexec (Hydra), Intel MPI and Slurm's PMI-2 set to the rank count.</summary>
    public const string SizeVariable = "PMI_SIZE";

    /// <summary>The variable they set to this process's rank.</summary>
    public const string RankVariable = "PMI_RANK";

    private static readonly object Gate = new();
    private static DataParallelGroup? s_world;

    private readonly MpichLibrary _mpi;
    private long _bufferAllreduceTicks;
    private readonly HashSet<Exception> _together = new(ReferenceEqualityComparer.Instance);

    private DataParallelGroup(MpichLibrary mpi, int rank, int size)
    {
        _mpi = mpi;
        Rank = rank;
        Size = size;
    }

    /// <summary>This process's rank, 0 to <see cref="Size"/> - 1.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks.</summary>
    public int Size { get; }

    /// <summary>The MPI library's file name.</summary>
    public string LibraryName => _mpi.Name;

    /// <summary>True when the process was started by a launcher as one of several ranks (PMI_SIZE &gt; 1).</summary>
    public static bool LaunchedAsRanks => LaunchedSize() > 1;

    /// <summary>The group once this process joined one, else null.</summary>
    public static DataParallelGroup? Current
    {
        get
        {
            lock (Gate)
                return s_world;
        }
    }

    /// <summary>The rank count the launcher's environment gives (1 when there is none).</summary>
    public static int LaunchedSize() => ReadVariable(SizeVariable) is { } size && size > 0 ? size : 1;

    /// <summary>This process's rank as the launcher's environment gives it (0 when there is none).</summary>
    public static int LaunchedRank() => LaunchedSize() > 1 && ReadVariable(RankVariable) is { } rank && rank >= 0 ? rank : 0;

    /// <summary>
    /// The group training uses for the option <paramref name="dataParallel"/>: null (no MPI loaded) for a single
    /// process; MPI is initialized when the option is true, or when it is null and a launcher started several ranks.
    /// </summary>
    /// <exception cref="InvalidOperationException">MPI is asked for but cannot be loaded or initialized.</exception>
    public static DataParallelGroup? Join(bool? dataParallel)
    {
        if (dataParallel == false || (dataParallel is null && !LaunchedAsRanks))
            return null;
        var world = World();
        return world.Size > 1 ? world : null;
    }

    private static DataParallelGroup World()
    {
        lock (Gate)
        {
            if (s_world is not null)
                return s_world;
            var mpi = MpichLibrary.Load();
            if (mpi.IsFinalized)
                throw new InvalidOperationException("MPI was already finalized in this process: data-parallel training cannot start again.");
            if (!mpi.IsInitialized)
            {
                mpi.InitSerialized();
                // MPI_Finalize before the process ends, as the MPI standard asks; the launcher then sees a clean exit.
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    if (mpi.IsInitialized && !mpi.IsFinalized)
                        mpi.FinalizeMpi();
                };
            }

            s_world = new DataParallelGroup(mpi, mpi.Rank(), mpi.Size());
            return s_world;
        }
    }

    /// <summary>Sums <paramref name="values"/> over all ranks, in place.</summary>
    public void Sum(Span<float> values) => Allreduce(values, MpichLibrary.Float, MpichLibrary.OpSum);

    /// <summary>Sums <paramref name="values"/> over all ranks, in place.</summary>
    public void Sum(Span<double> values) => Allreduce(values, MpichLibrary.Double, MpichLibrary.OpSum);

    /// <summary>Sums <paramref name="values"/> over all ranks, in place.</summary>
    public void Sum(Span<long> values) => Allreduce(values, MpichLibrary.LongLong, MpichLibrary.OpSum);

    /// <summary>The element-wise minimum over all ranks, in place.</summary>
    public void Min(Span<long> values) => Allreduce(values, MpichLibrary.LongLong, MpichLibrary.OpMin);

    /// <summary>The element-wise maximum over all ranks, in place.</summary>
    public void Max(Span<long> values) => Allreduce(values, MpichLibrary.LongLong, MpichLibrary.OpMax);

    /// <summary>Sums in place over all ranks a buffer of <paramref name="count"/> floats at <paramref name="buffer"/>.</summary>
    public void Sum(IntPtr buffer, long count)
    {
        if (count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(count), count, "MPI counts are 32-bit: at most 2^31 - 1 values per allreduce.");
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        _mpi.AllreduceInPlace((void*)buffer, (int)count, MpichLibrary.Float, MpichLibrary.OpSum);
        _bufferAllreduceTicks += System.Diagnostics.Stopwatch.GetTimestamp() - start;
    }

    /// <summary>
    /// Time spent in the buffer allreduces (the gradients of every step) since the group was joined, waiting for the
    /// slowest rank included: what the benchmark reports as the share of a step spent in the allreduce.
    /// </summary>
    public TimeSpan BufferAllreduceTime => System.Diagnostics.Stopwatch.GetElapsedTime(0, _bufferAllreduceTicks);

    /// <summary>Every rank's <paramref name="value"/>, indexed by rank (an allgather made of one allreduce).</summary>
    public long[] Gather(long value)
    {
        var values = new long[Size];
        values[Rank] = value;
        Sum(values);
        return values;
    }

    /// <summary>Rank 0's <paramref name="values"/> on every rank (a broadcast made of one allreduce).</summary>
    public long[] FromRankZero(ReadOnlySpan<long> values)
    {
        var result = new long[values.Length];
        if (Rank == 0)
            values.CopyTo(result);
        Sum(result);
        return result;
    }

    /// <summary>True on every rank when <paramref name="value"/> is true on every rank.</summary>
    public bool All(bool value)
    {
        Span<long> flag = stackalloc long[] { value ? 1 : 0 };
        Min(flag);
        return flag[0] == 1;
    }

    /// <summary>
    /// Throws on every rank when the ranks hold different <paramref name="values"/> (what must agree before training:
    /// options, data shape, row counts); <paramref name="what"/> and <paramref name="names"/> name them in the error.
    /// </summary>
    /// <exception cref="InvalidOperationException">Some rank holds other values.</exception>
    public void CheckSame(string what, ReadOnlySpan<long> values, IReadOnlyList<string> names)
    {
        var min = values.ToArray();
        var max = values.ToArray();
        Min(min);
        Max(max);
        var own = values.ToArray();
        var differing = Enumerable.Range(0, own.Length).Where(i => min[i] != max[i]).ToList();
        if (differing.Count == 0)
            return;
        var details = differing.Select(i => $"{names[i]}: this rank has {own[i].ToString(CultureInfo.InvariantCulture)}, " +
            $"the ranks range from {min[i].ToString(CultureInfo.InvariantCulture)} to {max[i].ToString(CultureInfo.InvariantCulture)}");
        throw Together(new InvalidOperationException(
            $"The {Size} data-parallel ranks disagree on {what} ({string.Join("; ", details)}). Every rank must run the same " +
            "program with the same options and the same data."));
    }

    /// <summary>
    /// Runs a check that each rank makes on its own data, then agrees: when it fails on any rank, every rank throws
    /// (the failing ones their own exception), so no rank waits for the others in a later collective.
    /// </summary>
    public void Agree(Action check)
    {
        Exception? failure = null;
        try
        {
            check();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failure = e;
        }
        var failed = Gather(failure is null ? 0 : 1);
        if (failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(Together(failure));
        var ranks = Enumerable.Range(0, Size).Where(r => failed[r] != 0).ToList();
        if (ranks.Count > 0)
        {
            throw Together(new InvalidOperationException(
                $"Data-parallel rank{(ranks.Count > 1 ? "s" : "")} {string.Join(", ", ranks)} of {Size} failed before training; " +
                "see that rank's error."));
        }
    }

    /// <summary>Marks <paramref name="error"/> as thrown by every rank at the same point, and returns it.</summary>
    public T Together<T>(T error)
        where T : Exception
    {
        lock (_together)
            _together.Add(error);
        return error;
    }

    /// <summary>True when <paramref name="error"/> (or an exception it wraps) was thrown by every rank together.</summary>
    public bool FailedTogether(Exception error)
    {
        lock (_together)
        {
            for (var e = error; e is not null; e = e.InnerException)
            {
                if (_together.Contains(e))
                    return true;
            }
            return false;
        }
    }

    /// <summary>
    /// Ends the whole job after an error only this rank saw (the others would wait for it in the next collective):
    /// writes it to standard error, then MPI_Abort.
    /// </summary>
    public void AbortAfter(Exception error)
    {
        Console.Error.WriteLine($"BornAgain.ML data-parallel rank {Rank} of {Size} failed; ending every rank. {error}");
        Console.Error.Flush();
        _mpi.Abort(1);
    }

    private void Allreduce<T>(Span<T> values, int datatype, int op)
        where T : unmanaged
    {
        fixed (T* pointer = values)
            _mpi.AllreduceInPlace(pointer, values.Length, datatype, op);
    }

    private static int? ReadVariable(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;
}
