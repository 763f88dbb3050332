using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Microsoft.ML.BornAgain.Tests.PublicApi;

/// <summary>
/// ML.NET's internals that the library compiles against (the PublicizeType items of its csproj) may be used only in
/// src/Microsoft.ML.BornAgain/MLNet/ and Serialization/. This scans every other .cs file of the library for them.
/// </summary>
[TestClass]
public sealed class MLNetInternalsBoundaryTests
{
    /// <summary>Per publicized type (as listed in the csproj): what its use looks like in C# source.</summary>
    private static readonly Dictionary<string, Regex> UsePatterns = new()
    {
        ["Microsoft.ML.ModelSaveContext"] = Word("ModelSaveContext"),
        ["Microsoft.ML.ModelLoadContext"] = Word("ModelLoadContext"),
        ["Microsoft.ML.VersionInfo"] = Word("VersionInfo"),
        ["Microsoft.ML.LoadableClassAttribute"] = new(@"\bLoadableClass(Attribute)?\b"),
        ["Microsoft.ML.LoadableClassAttributeBase"] = Word("LoadableClassAttributeBase"),
        ["Microsoft.ML.SignatureLoadModel"] = Word("SignatureLoadModel"),
        // SchemaShape itself is public; what the publicized copy adds is the Column constructor.
        ["Microsoft.ML.SchemaShape"] = new(@"new\s+(SchemaShape\s*\.\s*)?Column\s*\("),
        ["Microsoft.ML.SchemaShape+Column"] = new(@"new\s+(SchemaShape\s*\.\s*)?Column\s*\("),
        ["Microsoft.ML.Runtime.IHostEnvironmentInternal"] = Word("IHostEnvironmentInternal"),
        ["Microsoft.ML.Runtime.ICancelable"] = Word("ICancelable"),
        // ML.NET's channel logging: IChannel and its Info/Warning/Error/Trace extensions.
        ["Microsoft.ML.Runtime.HostExtensions"] = new(@"\bIChannel\b|\bHostExtensions\b|\b[cC]hannel\s*\.\s*(Info|Warning|Error|Trace)\s*\("),
        ["Microsoft.ML.TrainCatalogBase"] = new(@"\.\s*Owner\s*\.\s*Environment\b|\bTrainCatalogBase\b"),
        ["Microsoft.ML.TrainCatalogBase+CatalogInstantiatorBase"] = new(@"\bCatalogInstantiatorBase\b|\.\s*Owner\b"),
        // ML.NET's ONNX export (mlContext.Model.ConvertToOnnx): the data transform interfaces and the context.
        ["Microsoft.ML.Data.IDataTransform"] = Word("IDataTransform"),
        ["Microsoft.ML.Model.OnnxConverter.ICanSaveOnnx"] = Word("ICanSaveOnnx"),
        ["Microsoft.ML.Model.OnnxConverter.ISaveAsOnnx"] = Word("ISaveAsOnnx"),
        ["Microsoft.ML.Model.OnnxConverter.ITransformCanSaveOnnx"] = Word("ITransformCanSaveOnnx"),
        ["Microsoft.ML.Model.OnnxConverter.OnnxContext"] = Word("OnnxContext"),
        ["Microsoft.ML.Model.OnnxConverter.OnnxNode"] = Word("OnnxNode"),
    };

    private static readonly string[] AllowedFolders = ["MLNet", "Serialization"];

    [TestMethod]
    public void EveryPublicizedTypeHasAUsePattern()
    {
        var missing = PublicizedTypes().Where(t => !UsePatterns.ContainsKey(t)).ToList();
        Assert.IsEmpty(missing, $"PublicizeType items without a pattern in this test: {string.Join(", ", missing)}");
    }

    [TestMethod]
    public void OnlyMLNetAndSerializationUseMLNetInternals()
    {
        var library = Path.Combine(RepositoryRoot(), "src", "Microsoft.ML.BornAgain");
        var violations = new List<string>();
        foreach (var file in Directory.EnumerateFiles(library, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(library, file).Replace('\\', '/');
            var top = relative.Split('/')[0];
            if (top is "obj" or "bin" || AllowedFolders.Contains(top))
                continue;
            violations.AddRange(Uses(File.ReadAllText(file)).Select(use => $"{relative}: {use}"));
        }
        Assert.IsEmpty(violations, "ML.NET internals used outside MLNet/ and Serialization/:\n" + string.Join("\n", violations));
    }

    [TestMethod]
    public void TheScanFindsEachKindOfUse()
    {
        // The scan must be able to fail: each of these lines uses a publicized internal.
        string[] uses =
        [
            "void ICanSaveModel.Save(ModelSaveContext ctx) => Write(ctx);",
            "[assembly: LoadableClass(typeof(ITransformer), typeof(X), null, typeof(SignatureLoadModel), \"x\", \"y\")]",
            "var seed = ((IHostEnvironmentInternal)context).Seed;",
            "channel.Info(\"Born-Again training\");",
            "private BornAgainTrainingOptions EngineOptions(IHost host, IChannel channel)",
            "yield return new SchemaShape.Column(name, kind, type, isKey: true);",
            "var env = catalog.Owner.Environment;",
            "internal sealed class ScoredDataView : ITransformCanSaveOnnx",
            "public void SaveAsOnnx(OnnxContext ctx) => Write(ctx);",
        ];
        foreach (var line in uses)
            Assert.IsNotEmpty(Uses(line).ToList(), line);
        Assert.IsEmpty(Uses("// a comment about ModelSaveContext\npublic SchemaShape GetOutputSchema(SchemaShape inputSchema)").ToList());
    }

    private static IEnumerable<string> Uses(string source)
    {
        var lines = source.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var code = lines[i].TrimStart();
            if (code.StartsWith("//", StringComparison.Ordinal))
                continue;
            foreach (var (type, pattern) in UsePatterns)
            {
                if (pattern.IsMatch(code))
                    yield return $"line {i + 1} uses {type}: {code.Trim()}";
            }
        }
    }

    private static List<string> PublicizedTypes()
    {
        var project = XDocument.Load(Path.Combine(RepositoryRoot(), "src", "Microsoft.ML.BornAgain", "Microsoft.ML.BornAgain.csproj"));
        return project.Descendants("PublicizeType").Select(e => (string)e.Attribute("Include")!).ToList();
    }

    private static Regex Word(string word) => new($@"\b{word}\b");

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BornAgain.ML.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No BornAgain.ML.sln above {AppContext.BaseDirectory}.");
    }
}
