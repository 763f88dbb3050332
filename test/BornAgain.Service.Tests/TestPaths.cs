using System.Reflection;

namespace BornAgain.Service.Tests;

/// <summary>Paths inside the repository this test assembly was built from.</summary>
internal static class TestPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>CIFAR-10 JPEGs shipped for the samples: train/ and test/, one folder per class.</summary>
    public static string SampleImages => Path.Combine(Root, "src", "Samples", "Data", "cifar-10-jpg-mini");

    public static string BrowserFolder => Path.Combine(Root, "test", "BornAgain.Service.Tests", "Browser");

    /// <summary>The service's own build output (Debug or Release, as this test assembly was built).</summary>
    public static string ServiceDll => Path.Combine(Root, "src", "Samples", "BornAgain.Service", "bin",
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BuildConfiguration").Value!,
        "net10.0", "BornAgain.Service.dll");

    /// <summary>The first <paramref name="count"/> test images of a class, in name order.</summary>
    public static IEnumerable<string> TestImages(string label, int count) =>
        Directory.GetFiles(Path.Combine(SampleImages, "test", label), "*.jpg").Order(StringComparer.Ordinal).Take(count);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BornAgain.ML.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No BornAgain.ML.sln above {AppContext.BaseDirectory}.");
    }
}
