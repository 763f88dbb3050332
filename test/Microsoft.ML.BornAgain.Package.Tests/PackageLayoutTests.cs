using System.IO.Compression;
using System.Xml.Linq;

namespace Microsoft.ML.BornAgain.Package.Tests;

/// <summary>
/// The packed .nupkg and .snupkg as files: exactly the library, its XML docs, the package readme and the build targets, and
/// the nuspec's metadata and dependency ranges. Nothing of the build machinery (the publicized Microsoft.ML.Core
/// reference, the Publicizer tool, Mono.Cecil) may leak into either.
/// </summary>
[TestClass]
public sealed class PackageLayoutTests
{
    private static readonly string[] ExpectedContent =
    [
        "BornAgain.ML.nuspec",
        "PACKAGE.md",
        "build/BornAgain.ML.targets",
        "build/TorchSharpNativeFix.targets",
        "buildTransitive/BornAgain.ML.targets",
        "lib/net10.0/Microsoft.ML.BornAgain.dll",
        "lib/net10.0/Microsoft.ML.BornAgain.xml",
    ];

    [TestMethod]
    public void PackageHoldsExactlyTheLibraryDocsReadmeAndTargets()
    {
        Assert.AreEqual(string.Join("\n", ExpectedContent), string.Join("\n", ContentEntries(PackedLibrary.PackagePath)));
    }

    [TestMethod]
    public void SymbolsPackageHoldsOnlyTheLibraryPdb()
    {
        Assert.AreEqual("BornAgain.ML.nuspec\nlib/net10.0/Microsoft.ML.BornAgain.pdb",
            string.Join("\n", ContentEntries(PackedLibrary.SymbolsPackagePath)));
    }

    [TestMethod]
    public void NothingOfTheBuildMachineryLeaks()
    {
        foreach (var path in new[] { PackedLibrary.PackagePath, PackedLibrary.SymbolsPackagePath })
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var entry in zip.Entries)
            {
                foreach (var forbidden in new[] { "Publicizer", "publicized", "Mono.Cecil", "Microsoft.ML.Core", "allow-list" })
                    Assert.DoesNotContain(forbidden, entry.FullName, $"{Path.GetFileName(path)} entry {entry.FullName}");
            }
        }
        var dependencies = Dependencies().Select(d => d.Id).ToList();
        CollectionAssert.DoesNotContain(dependencies, "Mono.Cecil");
        CollectionAssert.DoesNotContain(dependencies, "Publicizer");
    }

    [TestMethod]
    public void PackedLibraryIsTheBuiltOneNotAReferenceCopy()
    {
        // The publicized Microsoft.ML.Core is a compile-time reference only: the packed DLL references ML.NET's real
        // assembly by its real identity (public key token cc7b13ffcd2ddd51), as the runtime will resolve it.
        using var zip = ZipFile.OpenRead(PackedLibrary.PackagePath);
        using var dll = new MemoryStream();
        using (var stream = zip.GetEntry("lib/net10.0/Microsoft.ML.BornAgain.dll")!.Open())
            stream.CopyTo(dll);
        var context = new System.Runtime.Loader.AssemblyLoadContext("packed-library", isCollectible: true);
        try
        {
            dll.Position = 0;
            var assembly = context.LoadFromStream(dll);
            var core = assembly.GetReferencedAssemblies().Single(a => a.Name == "Microsoft.ML.Core");
            Assert.AreEqual("cc7b13ffcd2ddd51", Convert.ToHexStringLower(core.GetPublicKeyToken()!));
            CollectionAssert.DoesNotContain(assembly.GetReferencedAssemblies().Select(a => a.Name).ToList(), "Mono.Cecil");
        }
        finally
        {
            context.Unload();
        }
    }

    [TestMethod]
    public void DependenciesAreMLNetFiveImageAnalyticsManagedTorchSharpAndProtobufOnly()
    {
        var expected = new[]
        {
            // The ONNX export's protobuf runtime (src/Microsoft.ML.BornAgain/Onnx, docs/onnx.md); Grpc.Tools is build-only.
            ("Google.Protobuf", "3.30.2"),
            ("Microsoft.ML", "[5.0.1, 6.0.0)"),
            ("Microsoft.ML.ImageAnalytics", "[5.0.1, 6.0.0)"),
            ("TorchSharp", "[0.107.0, 0.108.0)"),
        };
        CollectionAssert.AreEqual(expected, Dependencies().Select(d => (d.Id, d.Version)).OrderBy(d => d.Id, StringComparer.Ordinal).ToArray());
        Assert.IsTrue(Dependencies().All(d => d.TargetFramework == "net10.0"), "one dependency group, net10.0");
    }

    [TestMethod]
    public void NuspecDescribesThePackage()
    {
        var metadata = Metadata();
        string Value(string name) => metadata.Element(metadata.Name.Namespace + name)?.Value ?? "";
        Assert.AreEqual(PackedLibrary.PackageId, Value("id"));
        Assert.AreEqual(PackedLibrary.Version, Value("version"));
        Assert.Contains("Born-Again Networks", Value("description"));
        Assert.Contains("TorchSharp-cpu", Value("description"), "the description says a backend package is needed");
        Assert.AreEqual("PACKAGE.md", Value("readme"));
        Assert.StartsWith("https://", Value("projectUrl"), "the package page links to the project");
        Assert.Contains("MIT", File.ReadAllText(Path.Combine(RepositoryPaths.Root, "LICENSE")), "the repository has the license the package declares");
        Assert.Contains("ML.NET", Value("tags"));
        var license = metadata.Element(metadata.Name.Namespace + "license")!;
        Assert.AreEqual("expression", (string?)license.Attribute("type"));
        Assert.AreEqual("MIT", license.Value);
        var repository = metadata.Element(metadata.Name.Namespace + "repository")!;
        Assert.AreEqual("git", (string?)repository.Attribute("type"));
        Assert.StartsWith("https://", (string?)repository.Attribute("url") ?? "", "source link: the repository URL");
        Assert.MatchesRegex("^[0-9a-f]{40}$", (string?)repository.Attribute("commit") ?? "", "source link: the commit packed");
    }

    [TestMethod]
    public void BuildTransitiveTargetsImportTheShippedNativeFix()
    {
        using var zip = ZipFile.OpenRead(PackedLibrary.PackagePath);
        // NuGet imports only buildTransitive/<package id>.targets: the file name must follow the id.
        var transitive = XDocument.Load(zip.GetEntry($"buildTransitive/{PackedLibrary.PackageId}.targets")!.Open());
        var import = transitive.Root!.Elements().Single(e => e.Name.LocalName == "Import");
        Assert.AreEqual("$(MSBuildThisFileDirectory)../build/TorchSharpNativeFix.targets", (string?)import.Attribute("Project"));
        Assert.AreEqual("'$(TorchSharpNativeFixImported)' != 'true'", (string?)import.Attribute("Condition"));

        // The shipped fix is the repository's file, byte for byte.
        using var packed = new StreamReader(zip.GetEntry("build/TorchSharpNativeFix.targets")!.Open());
        Assert.AreEqual(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "build", "TorchSharpNativeFix.targets")), packed.ReadToEnd());
    }

    [TestMethod]
    public void PackageReadmeIsWrittenForThePackagePage()
    {
        using var zip = ZipFile.OpenRead(PackedLibrary.PackagePath);
        using var reader = new StreamReader(zip.GetEntry("PACKAGE.md")!.Open());
        var readme = reader.ReadToEnd();
        Assert.IsLessThan(6000, readme.Length, "a short readme");
        // nuget.org cannot follow links relative to the repository, and shows no images from it.
        foreach (System.Text.RegularExpressions.Match link in System.Text.RegularExpressions.Regex.Matches(readme, @"\]\(([^)]*)\)"))
            Assert.StartsWith("https://", link.Groups[1].Value, $"link {link.Value} is absolute");
        Assert.DoesNotContain("![", readme, "no images");
        Assert.DoesNotContain("<img", readme, "no images");
        // The native patch is described, with its opt-out.
        Assert.Contains("libLibTorchSharp.so", readme);
        Assert.Contains("TorchSharpNativeFixEnabled", readme);
        Assert.Contains("dotnet add package BornAgain.ML", readme);
    }

    private static List<string> ContentEntries(string packagePath)
    {
        // NuGet's own packaging parts (OPC relationships, content types, core properties) are not content.
        using var zip = ZipFile.OpenRead(packagePath);
        return zip.Entries.Select(e => e.FullName)
            .Where(name => !name.StartsWith("_rels/", StringComparison.Ordinal) && name != "[Content_Types].xml"
                && !name.StartsWith("package/services/metadata/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
    }

    private static XElement Metadata()
    {
        var nuspec = PackedLibrary.ReadNuspec(PackedLibrary.PackagePath);
        return nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static List<(string TargetFramework, string Id, string Version)> Dependencies()
    {
        var metadata = Metadata();
        return metadata.Descendants().Where(e => e.Name.LocalName == "group")
            .SelectMany(group => group.Elements().Select(d =>
                ((string?)group.Attribute("targetFramework") ?? "", (string?)d.Attribute("id") ?? "", (string?)d.Attribute("version") ?? "")))
            .ToList();
    }
}
