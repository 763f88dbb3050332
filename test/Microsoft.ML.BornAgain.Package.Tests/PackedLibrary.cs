using System.IO.Compression;
using System.Xml.Linq;

namespace Microsoft.ML.BornAgain.Package.Tests;

/// <summary>
/// Packs the library once per test run with the README's own command line (<see cref="ReadmeCommands.Pack"/>, its
/// &lt;folder&gt; a temp folder feed). The version is unique to the run (0.&lt;random&gt;.&lt;random&gt;, stable, so that
/// <c>dotnet add package</c> takes it without --prerelease), given to MSBuild as the environment variable Version so
/// that the command line stays exactly the README's. NuGet's global packages folder, which the consumer app shares
/// with the machine (to reuse the gigabyte of LibTorch packages), can then never hand it a stale copy of our package
/// from an earlier run; that one version is deleted from the folder at the end.
/// </summary>
[TestClass]
public static class PackedLibrary
{
    public const string PackageId = "BornAgain.ML";

    private static string? _feed;
    private static string? _version;

    /// <summary>The temp folder feed holding the .nupkg and .snupkg.</summary>
    public static string Feed => _feed ?? throw new InvalidOperationException("The library was not packed.");

    /// <summary>This run's package version.</summary>
    public static string Version => _version ?? throw new InvalidOperationException("The library was not packed.");

    public static string PackagePath => Path.Combine(Feed, $"{PackageId}.{Version}.nupkg");

    public static string SymbolsPackagePath => Path.Combine(Feed, $"{PackageId}.{Version}.snupkg");

    [AssemblyInitialize]
    public static void Pack(TestContext context)
    {
        _version = $"0.{Random.Shared.Next(1, 65535)}.{Random.Shared.Next(1, 65535)}";   // parts stay below 65535: also the assembly version
        _feed = Directory.CreateTempSubdirectory("bornagain-feed-").FullName;
        DotnetCommand.Run(RepositoryPaths.Root, TimeSpan.FromMinutes(8), new Dictionary<string, string> { ["Version"] = _version },
            ReadmeCommands.Arguments(ReadmeCommands.Pack, _feed)).EnsureSuccess();
    }

    [AssemblyCleanup]
    public static void Cleanup()
    {
        if (_version is not null)
        {
            // Only this run's version: other versions in the machine's global packages folder are not ours to touch.
            TryDelete(Path.Combine(GlobalPackagesFolder(), PackageId.ToLowerInvariant(), _version.ToLowerInvariant()));
        }
        if (_feed is not null)
            TryDelete(_feed);
    }

    /// <summary>The nuspec inside a package.</summary>
    public static XDocument ReadNuspec(string packagePath)
    {
        using var zip = ZipFile.OpenRead(packagePath);
        var entry = zip.Entries.Single(e => e.FullName == $"{PackageId}.nuspec");
        using var stream = entry.Open();
        return XDocument.Load(stream);
    }

    /// <summary>NuGet's global packages folder as the CLI resolves it (NUGET_PACKAGES, NuGet.config, or the default).</summary>
    public static string GlobalPackagesFolder()
    {
        var listing = DotnetCommand.Run(RepositoryPaths.Root, TimeSpan.FromMinutes(1), "nuget", "locals", "global-packages", "--list")
            .EnsureSuccess().Output;
        const string prefix = "global-packages:";
        var line = listing.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line[prefix.Length..].Trim();
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
