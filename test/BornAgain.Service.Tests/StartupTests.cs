using System.Diagnostics;

namespace BornAgain.Service.Tests;

/// <summary>
/// The service as a user starts it (`dotnet BornAgain.Service.dll --model ...`): a model file that cannot be served
/// stops start-up with exit code 1 and one message naming the file, not a stack trace and not a half-started server.
/// </summary>
[TestClass]
public sealed class StartupTests
{
    [TestMethod]
    public void MissingModelFileStopsStartUpNamingTheFile()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-model-{Guid.NewGuid():N}.zip");

        var (exitCode, log) = RunService(missing);

        Assert.AreEqual(1, exitCode, log);
        StringAssert.Contains(log, $"Model file '{missing}' does not exist");
        Assert.IsFalse(log.Contains("Unhandled exception", StringComparison.Ordinal), log);
    }

    [TestMethod]
    public void FileThatIsNotAModelStopsStartUpNamingTheFile()
    {
        string notAModel = Path.Combine(Path.GetTempPath(), $"not-a-model-{Guid.NewGuid():N}.zip");
        File.WriteAllText(notAModel, "this is not a zip file");
        try
        {
            var (exitCode, log) = RunService(notAModel);

            Assert.AreEqual(1, exitCode, log);
            StringAssert.Contains(log, $"Model file '{notAModel}' could not be loaded as an ML.NET model");
            Assert.IsFalse(log.Contains("Now listening", StringComparison.Ordinal), log);
        }
        finally
        {
            File.Delete(notAModel);
        }
    }

    internal static (int ExitCode, string Log) RunService(string modelPath)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { TestPaths.ServiceDll, "--model", modelPath, "--urls", "http://127.0.0.1:0" })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The service kept running with model '{modelPath}':\n{output.Result}{error.Result}");
        }
        return (process.ExitCode, output.Result + error.Result);
    }
}
