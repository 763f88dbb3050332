using Microsoft.ML.BornAgain.MLNet;
using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

/// <summary>Real CIFAR-10 images shipped with the sample (src/Samples/Data/cifar-10-jpg-mini), for tests.</summary>
internal static class TestImages
{
    public static readonly string[] ThreeClasses = { "airplane", "automobile", "frog" };

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The ChildProcess program (test/ChildProcess) built beside this test assembly's configuration.</summary>
    public static string ChildProcessProgram
    {
        get
        {
            string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<Configuration>/net10.0
            string program = Path.Combine(RepositoryRoot, "test", "ChildProcess", "bin", configuration, "net10.0", "ChildProcess.dll");
            Assert.IsTrue(File.Exists(program), $"build the solution first: {program} is missing");
            return program;
        }
    }

    public static string CifarFolder => Path.Combine(RepositoryRoot, "src", "Samples", "Data", "cifar-10-jpg-mini");

    /// <summary>The first <paramref name="perClass"/> image paths of each class of a split ("train" or "test").</summary>
    public static IReadOnlyList<(string Path, string Label)> Files(string split, IReadOnlyList<string> classes, int perClass) =>
        classes.SelectMany(c => Directory.GetFiles(Path.Combine(CifarFolder, split, c), "*.jpg")
                .Order(StringComparer.Ordinal)
                .Take(perClass)
                .Select(p => (p, c)))
            .ToList();

    /// <summary>Decodes the images into an engine dataset (raw 0..255 pixels, 3 x 32 x 32).</summary>
    public static ImageTensorDataset Dataset(string split, IReadOnlyList<string> classes, int perClass)
    {
        var files = Files(split, classes, perClass);
        var pixels = new List<float>();
        var labels = new List<long>();
        foreach (var (path, label) in files)
        {
            using var image = MLImage.CreateFromFile(path);
            pixels.AddRange(ImageRowReader.FromMLImage(image).Pixels);
            labels.Add(classes.ToList().IndexOf(label));
        }
        return ImageTensorDataset.FromArrays(pixels.ToArray(), labels.ToArray(), 3, 32, 32, classes.Count);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BornAgain.ML.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No BornAgain.ML.sln above {AppContext.BaseDirectory}.");
    }
}
