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
}
