using System.IO.Compression;

namespace Microsoft.ML.BornAgain.Package.Tests;

/// <summary>
/// The package's native patch as a consumer's build meets it: the targets shipped in the nupkg (buildTransitive/, which
/// imports build/TorchSharpNativeFix.targets) run after the output copy and patch libLibTorchSharp.so on a host that
/// needs it, and the MSBuild property TorchSharpNativeFixEnabled=false, from the command line or the project file,
/// leaves the file alone. A minimal project stands in for the app: its "output copy" is TorchSharp's own library
/// copied from the NuGet cache.
/// </summary>
[TestClass]
public sealed class NativeFixOptOutTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void PatchesByDefaultOnAHostThatNeedsIt()
    {
        var (output, changed) = Build(projectProperty: null, commandLineProperty: null);
        Assert.AreEqual(NativeFixFacts.HostLacksGlibcxx3432(), changed, "patched exactly when the host's libstdc++ lacks GLIBCXX_3.4.32");
        Assert.AreEqual(changed, output.Contains("TorchSharpNativeFix: patched", StringComparison.Ordinal));
    }

    [TestMethod]
    public void CommandLineOptOutLeavesTheLibraryAlone()
    {
        var (output, changed) = Build(projectProperty: null, "-p:TorchSharpNativeFixEnabled=false");
        Assert.IsFalse(changed, "the library is byte for byte TorchSharp's");
        Assert.DoesNotContain("TorchSharpNativeFix: patched", output);
    }

    [TestMethod]
    public void ProjectFileOptOutLeavesTheLibraryAlone()
    {
        var (output, changed) = Build(projectProperty: "<TorchSharpNativeFixEnabled>false</TorchSharpNativeFixEnabled>", commandLineProperty: null);
        Assert.IsFalse(changed, "the library is byte for byte TorchSharp's");
        Assert.DoesNotContain("TorchSharpNativeFix: patched", output);
    }

    private (string Output, bool Changed) Build(string? projectProperty, string? commandLineProperty)
    {
        var original = Path.Combine(PackedLibrary.GlobalPackagesFolder(), "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!OperatingSystem.IsLinux() || !File.Exists(original))
            Assert.Inconclusive($"Linux x64 only, with TorchSharp 0.107.0 restored ({original}).");

        var root = Directory.CreateTempSubdirectory("bornagain-nativefix-").FullName;
        try
        {
            var package = Path.Combine(root, "package");
            ZipFile.ExtractToDirectory(PackedLibrary.PackagePath, package);
            var app = Path.Combine(root, "app");
            var output = Path.Combine(app, "out");
            Directory.CreateDirectory(output);
            var library = Path.Combine(output, "libLibTorchSharp.so");
            File.Copy(original, library);

            // What NuGet's generated nuget.g.targets does for a package with buildTransitive targets: import them after
            // the project's own properties. CopyFilesToOutputDirectory stands in for the SDK's copy step.
            File.WriteAllText(Path.Combine(app, "App.proj"), $"""
                <Project>
                  <PropertyGroup>
                    <OutDir>{output}/</OutDir>
                    {projectProperty}
                  </PropertyGroup>
                  <Import Project="{Path.Combine(package, "buildTransitive", PackedLibrary.PackageId + ".targets")}" />
                  <Target Name="CopyFilesToOutputDirectory" />
                </Project>
                """);
            string[] arguments = ["msbuild", "App.proj", "-t:CopyFilesToOutputDirectory", "-v:n"];
            var result = DotnetCommand.Run(app, Timeout, commandLineProperty is null ? arguments : [.. arguments, commandLineProperty])
                .EnsureSuccess();
            TestContext.WriteLine(result.Output);
            return (result.Output, !File.ReadAllBytes(library).AsSpan().SequenceEqual(File.ReadAllBytes(original)));
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
