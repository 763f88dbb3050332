using System.Text.RegularExpressions;

namespace Microsoft.ML.BornAgain.Tests.Repository;

/// <summary>
/// The repository as a newcomer reads it: a README within its size limit that shows the commands CI runs and links
/// only to pages that exist, and no file that points at one machine's folders or at the project's issue tracker.
/// </summary>
[TestClass]
public sealed class RepositoryTextTests
{
    private static readonly string[] TextExtensions =
        [".cs", ".md", ".csproj", ".props", ".targets", ".json", ".csv", ".txt", ".py", ".sh", ".mjs", ".html", ".sln", ".editorconfig", ".gitignore", ""];

    // Spelled in pieces so that this file does not match itself.
    private static readonly string[] Forbidden =
    [
        "/wo" + "rk/",
        "/tm" + "p/",
        "../sha" + "red",
        "iss" + "ue 5",
        "as the iss" + "ue asks",
        "the iss" + "ue's",
    ];

    [TestMethod]
    public void ReadmeIsShortAndShowsTheCommandsCIRuns()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        Assert.IsLessThanOrEqualTo(10_000, readme.Length, "README.md is at most 10,000 characters");
        StringAssert.Contains(readme, "\n    dotnet test BornAgain.ML.sln\n", "the test command, on a line of its own");
        StringAssert.Contains(readme, "\n    dotnet run --project src/Samples/BornAgain.Sample -c Release\n", "the main job");
        StringAssert.Contains(File.ReadAllText(Path.Combine(Root, ".ci", "run")), "\ndotnet test BornAgain.ML.sln\n", "CI runs the README's command");
        StringAssert.Contains(readme, "\n## Reproducibility\n");
    }

    [TestMethod]
    public void ReadmeAndDocsLinkOnlyToFilesThatExist()
    {
        var broken = new List<string>();
        foreach (var page in Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Append(Path.Combine(Root, "README.md")))
        {
            foreach (Match link in Regex.Matches(File.ReadAllText(page), @"\]\(([^)#\s]+)(#[^)]*)?\)"))
            {
                var target = link.Groups[1].Value;
                if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal))
                    continue;
                var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, target));
                if (!File.Exists(path) && !Directory.Exists(path))
                    broken.Add($"{Path.GetRelativePath(Root, page)}: {target}");
            }
        }
        Assert.IsEmpty(broken, "links to missing files:\n" + string.Join("\n", broken));
    }

    [TestMethod]
    public void NoFileRefersToAMachinesFoldersOrToTheIssueTracker()
    {
        var found = new List<string>();
        foreach (var file in RepositoryFiles())
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                foreach (var text in Forbidden)
                {
                    if (lines[i].Contains(text, StringComparison.OrdinalIgnoreCase) && !IsAllowed(lines[i], text))
                        found.Add($"{Path.GetRelativePath(Root, file)}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }
        Assert.IsEmpty(found, "references to one machine's folders or to the project's tracker:\n" + string.Join("\n", found));
    }

    [TestMethod]
    public void TheScanFindsWhatItLooksFor()
    {
        Assert.IsFalse(IsAllowed("git clone /wo" + "rk/main clone", "/wo" + "rk/"));
        Assert.IsTrue(IsAllowed("test/BornAgain.Benchmark/results/wo" + "rk/", "/wo" + "rk/"), "a repository folder named work");
        Assert.IsTrue(IsAllowed("test/BornAgain.Benchmark/results/avx2-forced/wo" + "rk/", "/wo" + "rk/"), "and a run's own under results");
    }

    /// <summary>
    /// The benchmark's scratch folder is test/BornAgain.Benchmark/results/work/ (or results/RUN/work/ for a run written
    /// elsewhere under results): a repository path, not a machine's.
    /// </summary>
    private static bool IsAllowed(string line, string text) =>
        text == "/wo" + "rk/" && Regex.Replace(line, @"results/([\w.*-]+/)?work/", "").IndexOf(text, StringComparison.OrdinalIgnoreCase) < 0;

    private static IEnumerable<string> RepositoryFiles()
    {
        var pending = new Stack<string>([Root]);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            foreach (var sub in Directory.GetDirectories(folder))
            {
                var name = Path.GetFileName(sub);
                if (name is ".git" or "bin" or "obj" or "node_modules" or "TestResults" or "reports" or "artifacts" or ".vs")
                    continue;
                if (Regex.IsMatch(Path.GetRelativePath(Root, sub).Replace('\\', '/'), @"^test/BornAgain\.Benchmark/results/([\w.-]+/)?work$"))
                    continue;
                pending.Push(sub);
            }
            foreach (var file in Directory.GetFiles(folder))
            {
                var extension = Path.GetExtension(file);
                if (TextExtensions.Contains(extension) && new FileInfo(file).Length < 5_000_000)
                    yield return file;
            }
        }
    }

    private static string Root { get; } = FindRoot();

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
