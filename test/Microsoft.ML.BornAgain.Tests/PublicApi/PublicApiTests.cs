using System.Reflection;
using System.Text;

namespace Microsoft.ML.BornAgain.Tests.PublicApi;

/// <summary>
/// Pins the library's public surface: every exported type and every public or protected member, written as text and
/// compared with approved-api.txt (checked in beside this file). A change to the public API fails here with a diff;
/// when the change is deliberate, copy the printed "received" file over approved-api.txt.
/// </summary>
[TestClass]
public sealed class PublicApiTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
        BindingFlags.Static | BindingFlags.DeclaredOnly;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void PublicApiMatchesTheApprovedList()
    {
        var approvedPath = Path.Combine(AppContext.BaseDirectory, "PublicApi", "approved-api.txt");
        var approved = File.ReadAllLines(approvedPath).Where(line => line.Length > 0).ToList();
        var actual = Describe(typeof(BornAgainTrainer).Assembly);
        if (approved.SequenceEqual(actual))
            return;

        var received = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), "approved-api.received.txt");
        File.WriteAllLines(received, actual);
        var removed = approved.Except(actual).Select(line => "- " + line);
        var added = actual.Except(approved).Select(line => "+ " + line);
        Assert.Fail("The public API differs from test/Microsoft.ML.BornAgain.Tests/PublicApi/approved-api.txt " +
            $"(- approved only, + built only):\n{string.Join("\n", removed.Concat(added))}\n" +
            $"If the change is deliberate, copy {received} over approved-api.txt.");
    }

    [TestMethod]
    public void EveryPublicTypeIsInTheLibraryNamespaceOrIsTheMLContextExtension()
    {
        var outside = typeof(BornAgainTrainer).Assembly.GetExportedTypes()
            .Where(t => t.Namespace != "Microsoft.ML.BornAgain" && t.FullName != "Microsoft.ML.BornAgainMLContextExtensions")
            .Select(t => t.FullName).ToList();
        Assert.IsEmpty(outside, $"public types outside Microsoft.ML.BornAgain: {string.Join(", ", outside)}");
    }

    [TestMethod]
    public void DescriptionSeesAnAddedMember()
    {
        // The description must be sensitive to what it pins: a public member of a type shows up as a line of its own.
        var lines = Describe(typeof(PublicApiTests).Assembly);
        Assert.Contains("  method Void PublicApiMatchesTheApprovedList()", lines);
        Assert.Contains("  property TestContext TestContext { get; set; }", lines);
    }

    /// <summary>One line per exported type, then one indented line per public or protected member, sorted.</summary>
    internal static List<string> Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            lines.Add(TypeLine(type));
            var members = type.GetMembers(Declared).Where(IsVisible).Select(MemberLine).OfType<string>()
                .Order(StringComparer.Ordinal);
            lines.AddRange(members.Select(m => "  " + m));
        }
        return lines;
    }

    private static string TypeLine(Type type)
    {
        string kind = type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct"
            : IsRecord(type) ? "record" : "class";
        var modifiers = new List<string>();
        if (type.IsClass && type.IsAbstract && type.IsSealed)
            modifiers.Add("static");
        else if (type.IsClass && type.IsSealed)
            modifiers.Add("sealed");
        else if (type.IsClass && type.IsAbstract)
            modifiers.Add("abstract");
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum))
            bases.Add(Name(baseType));
        bases.AddRange(type.GetInterfaces().Select(Name).Where(n => !n.StartsWith("IEquatable<", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        return $"{string.Join(" ", modifiers.Append(kind))} {type.FullName}{(bases.Count > 0 ? " : " + string.Join(", ", bases) : "")}";
    }

    private static bool IsRecord(Type type) => type.GetMethod("<Clone>$") is not null || type.GetProperty("EqualityContract", Declared) is not null;

    private static bool IsVisible(MemberInfo member) => member switch
    {
        MethodBase method => (method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly) && !method.IsSpecialName || method is ConstructorInfo && (method.IsPublic || method.IsFamily),
        PropertyInfo property => property.GetAccessors(nonPublic: true).Any(a => a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly),
        FieldInfo field => (field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly) && !field.IsSpecialName,
        EventInfo e => e.AddMethod is { } add && (add.IsPublic || add.IsFamily),
        _ => false,   // nested types have lines of their own
    };

    private static string? MemberLine(MemberInfo member) => member switch
    {
        ConstructorInfo ctor => $"{(ctor.IsFamily ? "protected " : "")}ctor({Parameters(ctor)})",
        MethodInfo method when method.Name == "<Clone>$" => null,
        MethodInfo method => $"{(method.IsStatic ? "static " : "")}{(method.IsVirtual && !method.IsFinal && !method.DeclaringType!.IsInterface ? "virtual " : "")}method {Name(method.ReturnType)} {method.Name}{Generic(method)}({Parameters(method)})",
        PropertyInfo property => $"{(property.GetAccessors(true)[0].IsStatic ? "static " : "")}property {Name(property.PropertyType)}{NullableMark(property)} {property.Name}{Indexer(property)} {{ {Accessors(property)}}}",
        FieldInfo field when field.DeclaringType!.IsEnum => $"value {field.Name} = {Convert.ToInt64(field.GetRawConstantValue())}",
        FieldInfo field => $"{(field.IsLiteral ? "const " : field.IsStatic ? "static " : "")}{(field.IsInitOnly ? "readonly " : "")}field {Name(field.FieldType)} {field.Name}{(field.IsLiteral ? " = " + Literal(field.GetRawConstantValue()) : "")}",
        EventInfo e => $"event {Name(e.EventHandlerType!)} {e.Name}",
        _ => null,
    };

    private static string NullableMark(PropertyInfo property) =>
        !property.PropertyType.IsValueType && new NullabilityInfoContext().Create(property).ReadState == NullabilityState.Nullable ? "?" : "";

    private static string Generic(MethodInfo method) =>
        method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : "";

    private static string Indexer(PropertyInfo property)
    {
        var index = property.GetIndexParameters();
        return index.Length == 0 ? "" : "[" + string.Join(", ", index.Select(p => $"{Name(p.ParameterType)} {p.Name}")) + "]";
    }

    private static string Accessors(PropertyInfo property)
    {
        var text = new StringBuilder();
        if (property.GetMethod is { } get && (get.IsPublic || get.IsFamily))
            text.Append("get; ");
        if (property.SetMethod is { } set && (set.IsPublic || set.IsFamily))
        {
            bool init = set.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");
            text.Append(init ? "init; " : "set; ");
        }
        return text.ToString();
    }

    private static string Parameters(MethodBase method)
    {
        var nullability = new NullabilityInfoContext();
        return string.Join(", ", method.GetParameters().Select(p =>
        {
            var type = Name(p.ParameterType);
            var elementType = p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType;
            if (!elementType.IsValueType && nullability.Create(p).WriteState == NullabilityState.Nullable)
                type += "?";
            var prefix = p.IsDefined(typeof(ParamArrayAttribute)) ? "params " : p.IsOut ? "out " : p.ParameterType.IsByRef ? "ref " : "";
            var suffix = p.HasDefaultValue ? " = " + Literal(p.DefaultValue) : "";
            return $"{prefix}{type} {p.Name}{suffix}";
        }));
    }

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Name(Type type)
    {
        if (type.IsByRef)
            return Name(type.GetElementType()!);
        if (type.IsArray)
            return Name(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        if (Nullable.GetUnderlyingType(type) is { } underlying)
            return Name(underlying) + "?";
        var name = type.IsNested && !type.IsGenericParameter ? Name(type.DeclaringType!) + "." + type.Name : type.Name;
        if (!type.IsGenericType)
            return name;
        var tick = name.IndexOf('`');
        return (tick < 0 ? name : name[..tick]) + "<" + string.Join(", ", type.GetGenericArguments().Select(Name)) + ">";
    }
}
