using System.Diagnostics;
using System.Text.Json.Nodes;

namespace BornAgain.Benchmark.Phases;

/// <summary>
/// The size on disk of the scoring service published for linux-x64 (framework-dependent, Release), once as it is
/// (LibTorch's CPU backend, TorchSharp-cpu, included: serves model.zip and .onnx) and once with
/// <c>-p:UsesTorchSharpBackend=false</c> (no LibTorch: serves .onnx only; docs/service.md). Each publish gets its
/// own artifacts folder, so neither touches the repository's bin/obj nor the other's restore.
/// </summary>
internal static class PublishSizePhase
{
    public static JsonObject Run(string workFolder)
    {
        string project = Path.Combine(BenchmarkSettings.RepositoryRoot(), "src", "Samples", "BornAgain.Service", "BornAgain.Service.csproj");
        return new JsonObject
        {
            ["withLibTorchMB"] = Publish(project, Path.Combine(workFolder, "publish-with-libtorch"), []),
            ["withoutLibTorchMB"] = Publish(project, Path.Combine(workFolder, "publish-onnx-only"), ["-p:UsesTorchSharpBackend=false"]),
        };
    }

    private static double Publish(string project, string folder, string[] extra)
    {
        string output = Path.Combine(folder, "app");
        if (Directory.Exists(output))
            Directory.Delete(output, recursive: true);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "false",
            "--artifacts-path", Path.Combine(folder, "artifacts"), "-o", output, .. extra])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet publish.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet publish {string.Join(' ', extra)} failed:\n{stdout}\n{stderr.Result}");
        long bytes = new DirectoryInfo(output).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        return Math.Round(bytes / 1024.0 / 1024.0, 1); // MB as the RSS figures count them (MiB)
    }
}
