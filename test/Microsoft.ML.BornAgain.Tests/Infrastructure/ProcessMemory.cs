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
}
