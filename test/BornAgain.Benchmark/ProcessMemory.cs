namespace BornAgain.Benchmark;

/// <summary>
/// Resident memory from /proc/&lt;pid&gt;/status (Linux): current (VmRSS) and peak (VmHWM), of this process or of a
/// child process it started (the scoring service).
/// </summary>
internal static class ProcessMemory
{
    public static double CurrentMB => ReadKilobytes("self", "VmRSS") / 1024.0;

    public static double PeakMB => ReadKilobytes("self", "VmHWM") / 1024.0;

    /// <summary>The peak resident memory of process <paramref name="pid"/>; NaN when it cannot be read (gone, not Linux).</summary>
    public static double PeakMBOf(int pid)
    {
        try
        {
            return ReadKilobytes(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "VmHWM") / 1024.0;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    private static long ReadKilobytes(string process, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{process}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(field.Length + 1).Trim().ToString().Split(' ')[0]);
        }
        return 0;
    }
}
