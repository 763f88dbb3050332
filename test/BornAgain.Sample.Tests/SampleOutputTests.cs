using System.Diagnostics;
using System.Text.RegularExpressions;

namespace BornAgain.Sample.Tests;

/// <summary>
/// What a user sees when running the sample: its own table and predictions, and no LibTorch warning between them
/// (such as NNPACK's "Could not initialize NNPACK! Reason: Unsupported hardware.", which some CPUs printed for every
/// single-image prediction).
/// </summary>
[TestClass]
public sealed partial class SampleOutputTests
{
    private string _folder = "";

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("sample-output-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public void ShortRun_PrintsNoLibTorchWarning()
    {
        string data = SmallImageFolder(perClass: 6);

        var (exitCode, output) = RunSample("--data", data, "--epochs", "1", "--generations", "1", "--batch-size", "16",
            "--predictions", "8", "--output", Path.Combine(_folder, "report"));

        Assert.AreEqual(0, exitCode, output);
        StringAssert.Contains(output, "Total wall time");
        var warnings = output.Split('\n').Where(line => LibTorchWarning().IsMatch(line)).ToList();
        Assert.IsEmpty(warnings, $"LibTorch printed {warnings.Count} warning line(s), the first: {warnings.FirstOrDefault()}");
    }

    // c10's log lines start with a severity letter and the date: "[W1202 05:33:12.123456 ..." or "[W NNPACK.cpp:56]".
    [GeneratedRegex(@"^\s*\[W[\d ]")]
    private static partial Regex LibTorchWarning();

    /// <summary>An image folder (train/ and test/, one folder per class) of the first images of the shipped CIFAR-10 subset.</summary>
    private string SmallImageFolder(int perClass)
    {
        string shipped = Path.Combine(RepositoryRoot(), "src", "Samples", "Data", "cifar-10-jpg-mini");
        string root = Path.Combine(_folder, "data");
        foreach (var split in new[] { "train", "test" })
        {
            foreach (var classFolder in Directory.GetDirectories(Path.Combine(shipped, split)).Order(StringComparer.Ordinal).Take(3))
            {
                string target = Directory.CreateDirectory(Path.Combine(root, split, Path.GetFileName(classFolder))).FullName;
                foreach (var image in Directory.GetFiles(classFolder, "*.jpg").Order(StringComparer.Ordinal).Take(perClass))
                    File.Copy(image, Path.Combine(target, Path.GetFileName(image)));
            }
        }
        return root;
    }

    private static (int ExitCode, string Output) RunSample(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "BornAgain.Sample.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(5)), "the sample hung");
        return (process.ExitCode, output.Result + error.Result);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "BornAgain.ML.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException($"No BornAgain.ML.sln above {AppContext.BaseDirectory}.");
    }
}
