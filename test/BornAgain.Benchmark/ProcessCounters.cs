using System.Diagnostics;

namespace BornAgain.Benchmark;

/// <summary>
/// This process's CPU time (user, system) and minor page faults (Linux, /proc/self/stat): memory handed back to the
/// operating system and touched again shows as system time and faults.
/// </summary>
internal readonly record struct ProcessCounters(double UserSeconds, double SystemSeconds, long MinorFaults)
{
    public static ProcessCounters Now()
    {
        using var process = Process.GetCurrentProcess();
        long faults = -1;
        if (File.Exists("/proc/self/stat"))
        {
            // Field 10 (minflt), counted after the command name's closing parenthesis (the name may hold spaces).
            string stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            faults = long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
        }
        return new ProcessCounters(process.UserProcessorTime.TotalSeconds, process.PrivilegedProcessorTime.TotalSeconds, faults);
    }

    public static ProcessCounters operator -(ProcessCounters a, ProcessCounters b) =>
        new(a.UserSeconds - b.UserSeconds, a.SystemSeconds - b.SystemSeconds, a.MinorFaults - b.MinorFaults);
}
