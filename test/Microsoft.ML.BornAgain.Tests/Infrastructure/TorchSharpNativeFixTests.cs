using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

/// <summary>
/// Proves that build/TorchSharpNativeFix.targets retargeted this test's output copy of libLibTorchSharp.so from GCC 13's
/// std::ios_base_library_init (GLIBCXX_3.4.32) to GCC 12's std::ios_base::Init::Init (GLIBCXX_3.4) on a host whose
/// libstdc++ lacks GLIBCXX_3.4.32 (Debian 12), touching only those names and leaving the NuGet cache's copy alone.
/// </summary>
[TestClass]
public sealed class TorchSharpNativeFixTests
{
    private const string LibraryFileName = "libLibTorchSharp.so";
    private const string NeededVersion = "GLIBCXX_3.4.32";
    private const string NeededSymbol = "_ZSt21ios_base_library_initv";
    private const string ReplacementSymbol = "_ZNSt8ios_base4InitC1Ev";

    // The patch rewrites the version name and the symbol name in .dynstr, the 4-byte vna_hash, and the
    // "symbol@version" name in .strtab: no other byte may differ.
    private static readonly int MaximumChangedBytes =
        NeededVersion.Length + 4 + NeededSymbol.Length + (NeededSymbol + "@" + NeededVersion).Length;

    private static readonly string[] HostLibStdCxxPaths =
    [
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
    ];

    [TestMethod]
    public void OutputCopy_OnHostWithoutGlibcxx3432_NeedsOnlyGcc12Symbols()
    {
        SkipUnlessHostLacksGlibcxx3432();
        var outputCopy = File.ReadAllBytes(FindOutputCopy());
        var packageCopy = File.ReadAllBytes(FindPackageCopy());

        Assert.IsTrue(Contains(packageCopy, NeededVersion) && Contains(packageCopy, NeededSymbol),
            $"The NuGet cache's {LibraryFileName} must stay unpatched (or this TorchSharp no longer needs the fix).");
        Assert.IsFalse(Contains(outputCopy, NeededVersion), $"The output copy still references {NeededVersion}.");
        Assert.IsFalse(Contains(outputCopy, NeededSymbol), $"The output copy still references {NeededSymbol}.");
        Assert.IsTrue(Contains(outputCopy, ReplacementSymbol), $"The output copy does not reference {ReplacementSymbol}.");
        Assert.AreEqual(packageCopy.Length, outputCopy.Length, "The patch must not change the file size.");
        var changedBytes = packageCopy.Where((value, offset) => outputCopy[offset] != value).Count();
        Assert.IsLessThanOrEqualTo(MaximumChangedBytes, changedBytes);
    }

    private static void SkipUnlessHostLacksGlibcxx3432()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            Assert.Inconclusive("The fix only applies to Linux x64.");
        }
        var hostLibStdCxx = HostLibStdCxxPaths.FirstOrDefault(File.Exists);
        if (hostLibStdCxx is null)
        {
            Assert.Inconclusive($"No system libstdc++.so.6 in {string.Join(", ", HostLibStdCxxPaths)}.");
        }
        if (Contains(File.ReadAllBytes(hostLibStdCxx), NeededVersion + "\0"))
        {
            Assert.Inconclusive($"{hostLibStdCxx} provides {NeededVersion}: the build leaves {LibraryFileName} unchanged on such a host.");
        }
    }

    private static string FindOutputCopy()
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LibraryFileName),
            Path.Combine(AppContext.BaseDirectory, LibraryFileName),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"No {LibraryFileName} in the test output.", candidates[0]);
    }

    /// <summary>The restored TorchSharp package's copy, located from the deps.json and the build's package root.</summary>
    private static string FindPackageCopy()
    {
        var assembly = typeof(TorchSharpNativeFixTests).Assembly;
        var packageRoot = assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "NuGetPackageRoot").Value!;
        var depsFile = Path.Combine(AppContext.BaseDirectory, assembly.GetName().Name + ".deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllBytes(depsFile));
        var torchSharp = deps.RootElement.GetProperty("libraries").EnumerateObject()
            .Single(library => library.Name.StartsWith("TorchSharp/", StringComparison.OrdinalIgnoreCase));
        var packageFolder = torchSharp.Value.GetProperty("path").GetString()!;
        return Path.Combine(packageRoot, packageFolder, "runtimes", "linux-x64", "native", LibraryFileName);
    }

    private static bool Contains(byte[] bytes, string text) =>
        bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(text)) >= 0;
}
