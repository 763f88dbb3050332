namespace BornAgain.Benchmark;

/// <summary>This process's resident memory from /proc/self/status (Linux): current (VmRSS) and peak (VmHWM).</summary>
internal static class ProcessMemory
{
    public static double CurrentMB => ReadKilobytes("VmRSS") / 1024.0;

    public static double PeakMB => ReadKilobytes("VmHWM") / 1024.0;

    private static long ReadKilobytes(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(field.Length + 1).Trim().ToString().Split(' ')[0]);
        }
        return 0;
    }
}
