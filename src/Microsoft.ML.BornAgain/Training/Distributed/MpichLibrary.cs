using System.Runtime.InteropServices;

namespace Microsoft.ML.BornAgain.Training.Distributed;

/// <summary>
/// The few MPI functions data-parallel training calls, bound at run time to an MPI library with MPICH's ABI
/// (MPICH, Intel MPI, Cray MPICH, MVAPICH: <c>libmpich.so.12</c> or <c>libmpi.so.12</c>). Loaded only when data
/// parallelism is asked for, so a single process never touches MPI.
/// </summary>
/// <remarks>
/// MPICH's handles are plain <c>int</c> constants, fixed by its ABI (mpi.h of MPICH 4.0). Open MPI has another ABI
/// (pointer handles) and is refused by name. The library is found through the operating system's search path, or
/// named by the <c>BORNAGAIN_MPI_LIBRARY</c> environment variable.
/// </remarks>
internal sealed unsafe class MpichLibrary
{
    public const int CommWorld = 0x44000000;
    public const int Float = 0x4c00040a;
    public const int Double = 0x4c00080b;
    public const int LongLong = 0x4c000809;
    public const int OpMax = 0x58000001;
    public const int OpMin = 0x58000002;
    public const int OpSum = 0x58000003;
    public const int ErrorsReturn = 0x54000001;
    public const int ThreadSerialized = 2;
    private const int Success = 0;
    private const int MaxErrorString = 512;

    /// <summary>The environment variable that names the MPI library to load instead of the default names.</summary>
    public const string LibraryVariable = "BORNAGAIN_MPI_LIBRARY";

    private static readonly string[] DefaultNames = { "libmpich.so.12", "libmpi.so.12" };
    private static readonly IntPtr InPlace = new(-1);

    private readonly delegate* unmanaged<int*, byte***, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int*, int> _initialized;
    private readonly delegate* unmanaged<int*, int> _finalized;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<int, int*, int> _commRank;
    private readonly delegate* unmanaged<int, int*, int> _commSize;
    private readonly delegate* unmanaged<int, int, int> _commSetErrhandler;
    private readonly delegate* unmanaged<IntPtr, void*, int, int, int, int, int> _allreduce;
    private readonly delegate* unmanaged<int, int, int> _abort;
    private readonly delegate* unmanaged<int, byte*, int*, int> _errorString;

    private MpichLibrary(IntPtr library, string name)
    {
        Name = name;
        _initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export(library, name, "MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)Export(library, name, "MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Export(library, name, "MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Export(library, name, "MPI_Finalize");
        _commRank = (delegate* unmanaged<int, int*, int>)Export(library, name, "MPI_Comm_rank");
        _commSize = (delegate* unmanaged<int, int*, int>)Export(library, name, "MPI_Comm_size");
        _commSetErrhandler = (delegate* unmanaged<int, int, int>)Export(library, name, "MPI_Comm_set_errhandler");
        _allreduce = (delegate* unmanaged<IntPtr, void*, int, int, int, int, int>)Export(library, name, "MPI_Allreduce");
        _abort = (delegate* unmanaged<int, int, int>)Export(library, name, "MPI_Abort");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export(library, name, "MPI_Error_string");
    }

    /// <summary>The file name the library was loaded as.</summary>
    public string Name { get; }

    /// <summary>Loads the MPI library, or explains what to install.</summary>
    /// <exception cref="InvalidOperationException">No MPI library with MPICH's ABI can be loaded.</exception>
    public static MpichLibrary Load()
    {
        string? chosen = Environment.GetEnvironmentVariable(LibraryVariable);
        var names = string.IsNullOrWhiteSpace(chosen) ? DefaultNames : new[] { chosen };
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
                return new MpichLibrary(handle, name);
        }

        throw new InvalidOperationException(
            $"Data-parallel training needs an MPI library with MPICH's ABI, but none of {string.Join(", ", names)} could be " +
            "loaded. Install MPICH (Debian/Ubuntu: apt-get install mpich) or use Intel MPI, Cray MPICH or MVAPICH, set " +
            $"{LibraryVariable} to the library's path if it is not on the loader's search path, and start the ranks with " +
            "mpiexec or srun. Open MPI is not supported (another ABI).");
    }

    private static IntPtr Export(IntPtr library, string name, string function)
    {
        if (NativeLibrary.TryGetExport(library, function, out var address))
            return address;
        throw new InvalidOperationException(
            $"The MPI library '{name}' has no function {function}: it is not an MPI library with MPICH's ABI.");
    }

    public bool IsInitialized
    {
        get
        {
            int flag;
            Check(_initialized(&flag), "MPI_Initialized");
            return flag != 0;
        }
    }

    public bool IsFinalized
    {
        get
        {
            int flag;
            Check(_finalized(&flag), "MPI_Finalized");
            return flag != 0;
        }
    }

    /// <summary>MPI_Init_thread with serialized calls (training may run on any one thread at a time).</summary>
    public int InitSerialized()
    {
        int provided;
        Check(_initThread(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
        // Errors are returned as codes and thrown as .NET exceptions instead of ending the process inside MPI.
        Check(_commSetErrhandler(CommWorld, ErrorsReturn), "MPI_Comm_set_errhandler");
        return provided;
    }

    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");

    public int Rank()
    {
        int rank;
        Check(_commRank(CommWorld, &rank), "MPI_Comm_rank");
        return rank;
    }

    public int Size()
    {
        int size;
        Check(_commSize(CommWorld, &size), "MPI_Comm_size");
        return size;
    }

    /// <summary>MPI_Allreduce in place over MPI_COMM_WORLD.</summary>
    public void AllreduceInPlace(void* buffer, int count, int datatype, int op) =>
        Check(_allreduce(InPlace, buffer, count, datatype, op, CommWorld), "MPI_Allreduce");

    /// <summary>Ends every rank of the job (the calling process included) with <paramref name="code"/>.</summary>
    public void Abort(int code) => _abort(CommWorld, code);

    private void Check(int code, string function)
    {
        if (code == Success)
            return;
        var text = new byte[MaxErrorString];
        int length = 0;
        fixed (byte* pointer = text)
        {
            if (_errorString(code, pointer, &length) != Success)
                length = 0;
        }
        string message = length > 0 ? System.Text.Encoding.ASCII.GetString(text, 0, Math.Min(length, text.Length)) : $"error code {code}";
        throw new InvalidOperationException($"{function} failed in '{Name}': {message}. If another rank ended, see its output.");
    }
}
