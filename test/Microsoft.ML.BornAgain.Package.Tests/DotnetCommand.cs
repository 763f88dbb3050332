using System.Diagnostics;
using System.Text;

namespace Microsoft.ML.BornAgain.Package.Tests;

/// <summary>The finished run of a `dotnet` command: exit code and interleaved output.</summary>
internal sealed record DotnetResult(string Arguments, int ExitCode, string Output)
{
    /// <summary>Fails the test with the command's whole output unless it exited with 0.</summary>
    public DotnetResult EnsureSuccess()
    {
        if (ExitCode != 0)
            Assert.Fail($"`dotnet {Arguments}` exited with {ExitCode}:\n{Output}");
        return this;
    }
}

/// <summary>
/// Runs the dotnet CLI as a child process the way a user's shell would. The variables that `dotnet test` sets for its
/// own MSBuild (MSBuildExtensionsPath, MSBuildSDKsPath, MSBUILD_EXE_PATH, ...) are removed, so the child's build is
/// not steered by the parent's, and build servers are not left running (they would hold the output pipes open).
/// </summary>
internal static class DotnetCommand
{
    public static DotnetResult Run(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        Run(workingDirectory, timeout, new Dictionary<string, string>(), arguments);

    /// <summary>Runs with extra environment variables (MSBuild reads them as properties).</summary>
    public static DotnetResult Run(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> environment,
        params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || name is "DOTNET_HOST_PATH" or "DOTNET_CLI_UI_LANGUAGE")
            {
                start.Environment.Remove(name);
            }
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        foreach (var (name, value) in environment)
            start.Environment[name] = value;

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var joined = string.Join(' ', arguments);
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"`dotnet {joined}` did not finish within {timeout}:\n{output}");
        }
        process.WaitForExit();
        lock (output)
            return new DotnetResult(joined, process.ExitCode, output.ToString());
    }

    /// <summary>The dotnet host running these tests (so the same SDK installation), else `dotnet` from PATH.</summary>
    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
            return host;
        var main = Environment.ProcessPath;
        return main is not null && Path.GetFileNameWithoutExtension(main) == "dotnet" ? main : "dotnet";
    }
}
