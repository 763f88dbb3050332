using System.Globalization;

namespace Microsoft.ML.BornAgain.Package.Tests;

/// <summary>
/// The consumer path: a brand-new console app in a temp folder OUTSIDE the repository (so none of the repository's
/// Directory.Build.* or central versions apply) gets the packed BornAgain.ML from the local folder feed and
/// TorchSharp-cpu with the README's own `dotnet add package` commands, builds (the package's buildTransitive targets must patch LibTorch's native library on
/// Debian 12 with no step of the app's own), trains on a few real images and saves model.zip; a second process loads
/// it and scores with PredictionEngine, and must give the first process's predictions.
/// </summary>
[TestClass]
public sealed class ConsumerAppTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void NewAppTrainsFromThePackageAndScoresInASecondProcess()
    {
        var app = Directory.CreateTempSubdirectory("bornagain-consumer-").FullName;
        try
        {
            WriteApp(app);
            TestContext.WriteLine(DotnetCommand.Run(app, BuildTimeout, ReadmeCommands.Arguments(ReadmeCommands.AddPackage, PackedLibrary.Feed)).EnsureSuccess().Output);
            TestContext.WriteLine(DotnetCommand.Run(app, BuildTimeout, ReadmeCommands.Arguments(ReadmeCommands.AddBackend, PackedLibrary.Feed)).EnsureSuccess().Output);
            var project = File.ReadAllText(Path.Combine(app, "ConsumerApp.csproj"));
            Assert.Contains($"<PackageReference Include=\"{PackedLibrary.PackageId}\" Version=\"{PackedLibrary.Version}\" />", project,
                "dotnet add package took this run's package from the folder");

            var build = DotnetCommand.Run(app, BuildTimeout, "build", "-c", "Release", "--disable-build-servers").EnsureSuccess();
            TestContext.WriteLine(build.Output);
            if (NativeFixFacts.HostLacksGlibcxx3432())
                Assert.Contains("TorchSharpNativeFix: patched", build.Output, "the package's buildTransitive targets patch the app's output");

            var dll = Path.Combine(app, "bin", "Release", "net10.0", "ConsumerApp.dll");
            var model = Path.Combine(app, "model.zip");
            var trained = Path.Combine(app, "trained.tsv");
            var loaded = Path.Combine(app, "loaded.tsv");
            TestContext.WriteLine(DotnetCommand.Run(app, RunTimeout, dll, "train", RepositoryPaths.SampleImages, model, trained).EnsureSuccess().Output);
            Assert.IsTrue(new FileInfo(model).Length > 0, "model.zip written");
            TestContext.WriteLine(DotnetCommand.Run(app, RunTimeout, dll, "score", RepositoryPaths.SampleImages, model, loaded).EnsureSuccess().Output);

            var before = Predictions(trained);
            var after = Predictions(loaded);
            Assert.HasCount(9, before, "3 test images of each of 3 classes");
            Assert.HasCount(before.Count, after);
            for (int i = 0; i < before.Count; i++)
            {
                Assert.AreEqual(before[i].File, after[i].File);
                Assert.AreEqual(before[i].Label, after[i].Label, $"predicted label of {before[i].File}");
                CollectionAssert.Contains(new[] { "airplane", "automobile", "bird" }, after[i].Label);
                Assert.HasCount(3, after[i].Scores);
                Assert.AreEqual(1.0, after[i].Scores.Sum(), 1e-4, "class probabilities sum to 1");
                for (int c = 0; c < 3; c++)
                    Assert.AreEqual(before[i].Scores[c], after[i].Scores[c], 1e-5, $"score {c} of {before[i].File} after reloading");
            }
        }
        finally
        {
            try
            {
                Directory.Delete(app, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [TestMethod]
    public void ReadmeQuickStartBuildsAndRunsAgainstThePackage()
    {
        // The README's C# block, word for word, as a new app's Program.cs, run where images/train/<class>/*.jpg and
        // cat.jpg exist (a few of the shipped CIFAR-10 images).
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var start = readme.IndexOf("```csharp\n", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, "README.md has a C# quick start");
        start += "```csharp\n".Length;
        var quickStart = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.IsLessThanOrEqualTo(20, quickStart.Split('\n').Count(line => line.Trim().Length > 0 && !line.TrimStart().StartsWith("using ", StringComparison.Ordinal)),
            "a quick start of about 15 lines");

        var app = Directory.CreateTempSubdirectory("bornagain-quickstart-").FullName;
        try
        {
            WriteApp(app);
            File.WriteAllText(Path.Combine(app, "Program.cs"), quickStart);
            string[] classes = ["airplane", "automobile", "bird"];
            foreach (var label in classes)
            {
                var folder = Directory.CreateDirectory(Path.Combine(app, "images", "train", label)).FullName;
                foreach (var image in Directory.GetFiles(Path.Combine(RepositoryPaths.SampleImages, "train", label), "*.jpg").Order(StringComparer.Ordinal).Take(10))
                    File.Copy(image, Path.Combine(folder, Path.GetFileName(image)));
            }
            File.Copy(Path.Combine(RepositoryPaths.SampleImages, "test", "bird", "0000.jpg"), Path.Combine(app, "cat.jpg"));

            DotnetCommand.Run(app, BuildTimeout, ReadmeCommands.Arguments(ReadmeCommands.AddPackage, PackedLibrary.Feed)).EnsureSuccess();
            DotnetCommand.Run(app, BuildTimeout, ReadmeCommands.Arguments(ReadmeCommands.AddBackend, PackedLibrary.Feed)).EnsureSuccess();
            TestContext.WriteLine(DotnetCommand.Run(app, BuildTimeout, "build", "-c", "Release").EnsureSuccess().Output);
            var run = DotnetCommand.Run(app, RunTimeout, Path.Combine(app, "bin", "Release", "net10.0", "ConsumerApp.dll")).EnsureSuccess();
            TestContext.WriteLine(run.Output);
            CollectionAssert.Contains(classes, run.Output.Trim().Split('\n').Last().Trim(), "the quick start prints a predicted class");
            Assert.IsTrue(File.Exists(Path.Combine(app, "model.zip")), "the quick start saved its model");
        }
        finally
        {
            try
            {
                Directory.Delete(app, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static void WriteApp(string app)
    {
        var template = Path.Combine(AppContext.BaseDirectory, "ConsumerAppTemplate");
        File.Copy(Path.Combine(template, "ConsumerApp.csproj"), Path.Combine(app, "ConsumerApp.csproj"));
        File.Copy(Path.Combine(template, "Program.cs"), Path.Combine(app, "Program.cs"));

        // No NuGet.config: the machine's own sources serve everything else, from the normal global packages folder;
        // our package comes only from the folder named by --source (a version nobody else has).
        // Stop MSBuild's upward search for Directory.Build.* and Directory.Packages.props at the app's own folder.
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(app, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(app, "Directory.Packages.props"), "<Project />\n");
    }

    private static List<(string File, string Label, double[] Scores)> Predictions(string path) =>
        File.ReadAllLines(path).Select(line => line.Split('\t'))
            .Select(parts => (parts[0], parts[1], parts[2].Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray()))
            .ToList();
}
