namespace Microsoft.ML.BornAgain.Package.Tests;

/// <summary>
/// The install commands of README.md, word for word. The tests run exactly these (with &lt;folder&gt; replaced by a
/// temp folder), and <see cref="ReadmeCommandsTests"/> fails when the README no longer shows them.
/// </summary>
internal static class ReadmeCommands
{
    /// <summary>Run at the repository root: packs the library into &lt;folder&gt;.</summary>
    public const string Pack = "dotnet pack src/Microsoft.ML.BornAgain -c Release -o <folder>";

    /// <summary>Run in the user's app folder: references the package from the folder.</summary>
    public const string AddPackage = "dotnet add package BornAgain.ML --source <folder>";

    /// <summary>Run in the user's app folder: the LibTorch backend (CPU).</summary>
    public const string AddBackend = "dotnet add package TorchSharp-cpu --version 0.107.0";

    public const string Placeholder = "<folder>";

    /// <summary>The command's arguments after "dotnet", with the placeholder replaced.</summary>
    public static string[] Arguments(string command, string folder)
    {
        var words = command.Split(' ');
        Assert.AreEqual("dotnet", words[0]);
        return words.Skip(1).Select(w => w == Placeholder ? folder : w).ToArray();
    }
}

[TestClass]
public sealed class ReadmeCommandsTests
{
    [TestMethod]
    public void ReadmeShowsTheInstallCommandsThatTheTestsRun()
    {
        var readme = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "README.md")).Select(l => l.Trim()).ToList();
        foreach (var command in new[] { ReadmeCommands.Pack, ReadmeCommands.AddPackage, ReadmeCommands.AddBackend })
            Assert.IsTrue(readme.Contains(command), $"README.md shows `{command}` on a line of its own");
    }
}
