namespace Microsoft.ML.BornAgain.Package.Tests;

/// <summary>Paths inside the repository this test assembly was built from.</summary>
internal static class RepositoryPaths
{
    /// <summary>The folder holding BornAgain.ML.sln, found upwards from the test output folder.</summary>
    public static string Root { get; } = FindRoot();

    public static string Library => Path.Combine(Root, "src", "Microsoft.ML.BornAgain");

    /// <summary>CIFAR-10 JPEGs shipped for the samples: train/ and test/, one folder per class.</summary>
    public static string SampleImages => Path.Combine(Root, "src", "Samples", "Data", "cifar-10-jpg-mini");

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
