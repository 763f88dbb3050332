using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BornAgain.Benchmark;

/// <summary>
/// Runs each measured phase in its own child process (this program with <c>--phase NAME</c>, or the Python peer), so
/// each peak RSS belongs to one phase, and reads the JSON object the child prints on its last line.
/// </summary>
internal static class PhaseRunner
{
    /// <summary>The marker before a phase's JSON result on stdout (other output, such as ML.NET logs, is ignored).</summary>
    public const string ResultMarker = "@@RESULT ";

    public static void WriteResult(JsonObject result)
    {
        result["peakRssMB"] ??= ProcessMemory.PeakMB;
        Console.Out.WriteLine(ResultMarker + result.ToJsonString());
        Console.Out.Flush();
    }

    /// <summary>Runs this program's phase <paramref name="phase"/> in a new process.</summary>
    public static JsonObject RunPhase(BenchmarkSettings settings, string phase, params string[] extra) =>
        Run(Self, PhaseArguments(settings, phase, extra), phase, settings.KernelEnvironment);

    /// <summary>
    /// Runs this program's phase <paramref name="phase"/> as <paramref name="ranks"/> MPI ranks (mpiexec, loopback),
    /// with the same kernel limits as every other phase; rank 0's result (only rank 0 prints one).
    /// </summary>
    public static JsonObject RunPhaseAsRanks(BenchmarkSettings settings, int ranks, string phase, params string[] extra) =>
        Run("mpiexec", ["-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), Self, .. PhaseArguments(settings, phase, extra)],
            $"{phase} ({ranks} MPI ranks; apt-get install mpich)", settings.KernelEnvironment);

    private static string Self => Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");

    /// <summary>The arguments after this program's path: its assembly when the host is <c>dotnet</c>, the phase, the settings.</summary>
    private static List<string> PhaseArguments(BenchmarkSettings settings, string phase, string[] extra)
    {
        var arguments = new List<string>();
        if (Path.GetFileNameWithoutExtension(Self) == "dotnet")
            arguments.Add(typeof(PhaseRunner).Assembly.Location);
        arguments.AddRange(["--phase", phase]);
        arguments.AddRange(settings.ToArguments());
        arguments.AddRange(extra);
        return arguments;
    }

    /// <summary>Runs the PyTorch peer script with <paramref name="arguments"/>.</summary>
    public static JsonObject RunPython(BenchmarkSettings settings, params string[] arguments) =>
        Run(settings.PythonPath, [PythonScript, .. arguments], "pytorch " + arguments[0], settings.KernelEnvironment, pythonResult: true);

    /// <summary>
    /// Runs this program's phase <paramref name="phase"/> with oneDNN's log on and adds its per-step sums to the
    /// result as <c>oneDnn</c> (<see cref="OneDnnLog"/>); the log slows every step, so only oneDNN's own times count.
    /// </summary>
    public static JsonObject RunPhaseWithOneDnnLog(BenchmarkSettings settings, string phase, params string[] extra) =>
        Run(Self, PhaseArguments(settings, phase, extra), phase, WithOneDnnLog(settings), oneDnnLog: true);

    /// <summary>Runs the PyTorch peer script with oneDNN's log on, as <see cref="RunPhaseWithOneDnnLog"/>.</summary>
    public static JsonObject RunPythonWithOneDnnLog(BenchmarkSettings settings, params string[] arguments) =>
        Run(settings.PythonPath, [PythonScript, .. arguments], "pytorch " + arguments[0], WithOneDnnLog(settings), pythonResult: true, oneDnnLog: true);

    private static string PythonScript => Path.Combine(AppContext.BaseDirectory, "peer", "pytorch_peer.py");

    private static Dictionary<string, string> WithOneDnnLog(BenchmarkSettings settings) =>
        new(settings.KernelEnvironment) { [OneDnnLog.Variable] = "1" };

    private static JsonObject Run(string file, IEnumerable<string> arguments, string name,
        IReadOnlyDictionary<string, string> environment, bool pythonResult = false, bool oneDnnLog = false)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // The kernel limits (--isa) reach the child and, through it, any process it starts (the scoring service).
        foreach (var (variable, value) in environment)
            start.Environment[variable] = value;
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null)
            lines.Add(line);
        process.WaitForExit();
        string? json = pythonResult
            ? lines.LastOrDefault(l => l.StartsWith('{'))
            : lines.LastOrDefault(l => l.StartsWith(ResultMarker, StringComparison.Ordinal))?[ResultMarker.Length..];
        if (process.ExitCode != 0 || json is null)
        {
            throw new InvalidOperationException(
                $"Phase '{name}' failed (exit code {process.ExitCode}).\n{string.Join('\n', lines.TakeLast(20))}\n{stderr.Result}");
        }

        var result = JsonNode.Parse(json)!.AsObject();
        if (oneDnnLog)
            result["oneDnn"] = OneDnnLog.Summarize(lines) ?? throw new InvalidOperationException($"Phase '{name}' logged no oneDNN convolution.");
        return result;
    }

    /// <summary>The number at <paramref name="key"/> whatever its stored type (double, int, long); NaN when absent.</summary>
    public static double Number(this JsonObject result, string key) => result[key] is JsonValue value ? AsDouble(value) : double.NaN;

    public static double AsDouble(JsonValue value) =>
        value.TryGetValue(out double d) ? d
        : value.TryGetValue(out long l) ? l
        : value.TryGetValue(out int i) ? i
        : value.TryGetValue(out System.Text.Json.JsonElement e) && e.ValueKind == System.Text.Json.JsonValueKind.Number ? e.GetDouble()
        : double.NaN;

    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
