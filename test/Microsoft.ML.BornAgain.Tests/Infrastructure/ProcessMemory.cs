using System.Runtime.InteropServices;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

internal static class ProcessMemory
{
    /// <summary>Resident set size of this process in bytes (VmRSS from /proc/self/status; the working set elsewhere).</summary>
    public static long ResidentBytes()
    {
        if (File.Exists("/proc/self/status"))
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    /// <summary>
    /// Resets the kernel's peak resident set size of this process (VmHWM) to the current one, so that
    /// <see cref="PeakResidentBytes"/> then reports the peak of what follows; false where Linux's
    /// /proc/self/clear_refs is not available or not writable.
    /// </summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The peak resident set size (VmHWM) since the process started or since <see cref="TryResetPeak"/>.</summary>
    public static long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        throw new PlatformNotSupportedException("/proc/self/status has no VmHWM line.");
    }

    /// <summary>
    /// The bytes this process holds live: the managed heap after a full collection plus what the C heap (malloc,
    /// which LibTorch and SkiaSharp allocate from) has handed out and not taken back. Unlike the resident size, it
    /// does not include memory that was freed but not yet returned to the system, so it measures what is kept,
    /// whenever the collector or malloc happen to give pages back. Null where glibc's mallinfo2 is not available.
    /// </summary>
    public static long? LiveBytes()
    {
        long managed = GC.GetTotalMemory(forceFullCollection: true);
        try
        {
            var info = MallInfo2();
            return managed + (long)(info.InUseSmallAndArenaBytes + info.MappedBytes);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallocInfo MallInfo2();

    /// <summary>glibc's <c>struct mallinfo2</c>, totalled over every arena.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct MallocInfo
    {
        private readonly nuint _arena, _ordblks, _smblks, _hblks;
        public readonly nuint MappedBytes; // hblkhd: blocks allocated with mmap
        private readonly nuint _usmblks, _fsmblks;
        public readonly nuint InUseSmallAndArenaBytes; // uordblks: allocated from the arenas
        private readonly nuint _fordblks, _keepcost;
    }
}
