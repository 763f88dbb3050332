// We compile against a copy of Microsoft.ML.Core in which ML.NET's save/load types are public (build/Publicizer.targets),
// but run against the real one, where they are internal. This attribute makes CoreCLR skip the access checks for
// calls from this assembly into Microsoft.ML.Core. Without it, saving fails with MethodAccessException, and loading
// fails obscurely because the CLR silently drops our internal [assembly: LoadableClass] attribute.
// See docs/design.md. Every assembly in the PublicizeType list must be named here.
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Data")]

namespace System.Runtime.CompilerServices;

/// <summary>
/// Honoured by CoreCLR (.NET 5 and later), though not declared by the BCL: the runtime skips visibility checks
/// from the declaring assembly into the named assembly. It matches by type name, so this internal copy works.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
internal sealed class IgnoresAccessChecksToAttribute : Attribute
{
    public IgnoresAccessChecksToAttribute(string assemblyName)
    {
        AssemblyName = assemblyName;
    }

    /// <summary>Simple name of the assembly whose internals this assembly may use at run time.</summary>
    public string AssemblyName { get; }
}
