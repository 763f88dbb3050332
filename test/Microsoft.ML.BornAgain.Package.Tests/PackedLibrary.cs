using System.IO.Compression;
using System.Xml.Linq;

namespace Microsoft.ML.BornAgain.Package.Tests;

/// <summary>
/// Packs the library once per test run, exactly as the README says (dotnet pack -c Release), into a temp folder
/// feed. The version is a unique prerelease (0.1.0-test.&lt;run id&gt;), so NuGet's global packages folder, which the
/// consumer app shares with the machine (to reuse the gigabyte of LibTorch packages), can never hand it a stale
/// copy of our package from an earlier run; that one version is deleted from the folder at the end.
/// </summary>
[TestClass]
public static class PackedLibrary
{
    public const string PackageId = "Microsoft.ML.BornAgain";

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
        _version = "0.1.0-test." + Guid.NewGuid().ToString("N")[..12];
        _feed = Directory.CreateTempSubdirectory("bornagain-feed-").FullName;
        DotnetCommand.Run(RepositoryPaths.Root, TimeSpan.FromMinutes(8),
            "pack", RepositoryPaths.Library, "-c", "Release", "-o", _feed, $"-p:Version={_version}",
            "--disable-build-servers").EnsureSuccess();
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
