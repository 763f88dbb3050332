using Mono.Cecil;

namespace BornAgain.Build.Publicizer;

/// <summary>
/// Writes a copy of an assembly in which exactly the listed types, and all of their constructors, methods
/// (including property and event accessors) and fields, are public. Everything else is left as it was.
/// Usage: Publicizer &lt;input.dll&gt; &lt;output.dll&gt; &lt;type full name | @file with one name per line&gt;...
/// Nested types are written with '+' (reflection style, e.g. Microsoft.ML.SchemaShape+Column) and must be listed
/// themselves: listing the outer type does not open its nested types.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("Usage: Publicizer <input.dll> <output.dll> <type full name | @list file>...");
            return 2;
        }

        try
        {
            var typeNames = ExpandTypeNames(args.Skip(2));
            Publicize(args[0], args[1], typeNames);
            Console.WriteLine($"Publicizer: {args[1]} written with {typeNames.Count} type(s) made public.");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or BadImageFormatException)
        {
            // MSBuild's Exec shows "error: ..." lines as build errors, so a renamed ML.NET type fails loudly.
            Console.Error.WriteLine($"error : Publicizer: {e.Message}");
            return 1;
        }
    }

    private static List<string> ExpandTypeNames(IEnumerable<string> arguments)
    {
        var names = new List<string>();
        foreach (var argument in arguments)
        {
            var lines = argument.StartsWith('@') ? File.ReadAllLines(argument[1..]) : [argument];
            names.AddRange(lines.Select(line => line.Trim()).Where(line => line.Length > 0));
        }

        return names.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void Publicize(string inputPath, string outputPath, IReadOnlyList<string> typeNames)
    {
        // Read fully into memory so that the output may overwrite any file, and the input is not kept open. The
        // input's own folder resolves the assemblies it references (Microsoft.ML.Data references Microsoft.ML.Core).
        using var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(inputPath))!);
        using var assembly = AssemblyDefinition.ReadAssembly(
            new MemoryStream(File.ReadAllBytes(inputPath)), new ReaderParameters { ReadSymbols = false, AssemblyResolver = resolver });
        var module = assembly.MainModule;

        var missing = typeNames.Where(name => FindType(module, name) is null).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException(
                $"type(s) not found in '{inputPath}': {string.Join(", ", missing)}. " +
                "The referenced assembly changed (renamed or moved type?); update the PublicizeType allow-list.");
        }

        foreach (var name in typeNames)
        {
            MakePublic(FindType(module, name)!);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        assembly.Write(outputPath);
    }

    private static TypeDefinition? FindType(ModuleDefinition module, string fullName)
    {
        var parts = fullName.Split('+');
        var type = module.GetType(parts[0]);
        foreach (var nestedName in parts.Skip(1))
        {
            type = type?.NestedTypes.FirstOrDefault(nested => nested.Name == nestedName);
        }

        return type;
    }

    private static void MakePublic(TypeDefinition type)
    {
        type.Attributes &= ~TypeAttributes.VisibilityMask;
        type.Attributes |= type.IsNested ? TypeAttributes.NestedPublic : TypeAttributes.Public;

        foreach (var method in type.Methods.Where(method => !IsExplicitInterfaceImplementation(method)))
        {
            method.Attributes = (method.Attributes & ~MethodAttributes.MemberAccessMask) | MethodAttributes.Public;
        }

        // Compiler-generated fields (property backing fields, "<X>k__BackingField") are not useful and stay as they are.
        foreach (var field in type.Fields.Where(field => !field.Name.Contains('<')))
        {
            field.Attributes = (field.Attributes & ~FieldAttributes.FieldAccessMask) | FieldAttributes.Public;
        }
    }

    // Private methods named "IFoo.Bar" implement an interface explicitly; making them public would add odd members.
    private static bool IsExplicitInterfaceImplementation(MethodDefinition method) =>
        method.IsPrivate && method.HasOverrides;
}
