using System.Diagnostics;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

/// <summary>
/// Starts the ChildProcess program as MPI ranks with MPICH's <c>mpiexec</c> on this machine (loopback only), bounded by
/// a timeout so that a hung rank cannot stall the test run. CI installs MPICH (.ci/run); elsewhere a missing mpiexec
/// makes the data-parallel tests inconclusive.
/// </summary>
internal static class MpiExec
{
    /// <summary>What the ranks wrote (their lines interleaved) and how mpiexec ended.</summary>
    public sealed record Result(int ExitCode, IReadOnlyList<string> Lines, string Error);

    /// <summary>The mpiexec of MPICH, or an inconclusive test (a failure on CI, which installs it).</summary>
    public static string Program
    {
        get
        {
            foreach (var name in new[] { "mpiexec.mpich", "mpiexec.hydra", "mpiexec" })
            {
                var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
                    .Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
                if (path is not null)
                    return path;
            }

            if (Environment.GetEnvironmentVariable("CI") == "true")
                Assert.Fail("mpiexec is missing: .ci/run installs MPICH (apt-get install mpich) before the tests.");
            Assert.Inconclusive("mpiexec is not installed (Debian: apt-get install mpich); the data-parallel tests need it.");
            return "";
        }
    }

    /// <summary>
    /// Runs <c>mpiexec -n ranks dotnet ChildProcess.dll arguments...</c> to its end; <paramref name="onLine"/> sees every
    /// output line as it comes (to kill a rank mid-training).
    /// </summary>
    public static Result Run(int ranks, IEnumerable<string> arguments, TimeSpan timeout, Action<string>? onLine = null) =>
        RunCommand(new[] { "-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", TestImages.ChildProcessProgram }
            .Concat(arguments), timeout, onLine);

    /// <summary>Runs mpiexec with exactly <paramref name="arguments"/> (for ranks started with different arguments).</summary>
    public static Result RunCommand(IEnumerable<string> arguments, TimeSpan timeout, Action<string>? onLine = null)
    {
        var start = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // Each rank trains with one thread: two ranks on a 2-core machine.
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        var reader = Task.Run(() =>
        {
            string? line;
            while ((line = process.StandardOutput.ReadLine()) is not null)
            {
                lock (lines)
                    lines.Add(line);
                onLine?.Invoke(line);
            }
        });
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"mpiexec did not end within {timeout.TotalSeconds:F0} s (a rank hung); output: {string.Join(" | ", lines.TakeLast(20))}");
        }
        reader.Wait(TimeSpan.FromSeconds(10));
        lock (lines)
            return new Result(process.ExitCode, lines.ToList(), error.Result);
    }
}
