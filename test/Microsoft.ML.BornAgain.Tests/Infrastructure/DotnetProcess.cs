using System.Diagnostics;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

/// <summary>Runs <c>dotnet</c> with arguments (and environment variables) as a second process, to completion.</summary>
internal static class DotnetProcess
{
    /// <summary>What the process wrote and how it ended.</summary>
    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>Runs to the end, failing the test if it takes longer than <paramref name="timeout"/>.</summary>
    /// <param name="arguments">The arguments after <c>dotnet</c>.</param>
    /// <param name="timeout">How long it may take.</param>
    /// <param name="what">Names the process in the failure message.</param>
    /// <param name="environment">Variables set for the process, beside the inherited ones.</param>
    public static Result Run(IEnumerable<string> arguments, TimeSpan timeout, string what, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.IsTrue(process.WaitForExit(timeout), $"{what} hung");
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
