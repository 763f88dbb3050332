using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

/// <summary>
/// Finds code that hands LibTorch a <see cref="Scalar"/> nothing keeps alive: a number converted to a Scalar and passed
/// straight to a call, in the library's IL or, directly or through other methods, in TorchSharp's own.
/// </summary>
/// <remarks>
/// TorchSharp passes only the Scalar's native handle to LibTorch and does not keep the managed object alive for the
/// call, so a garbage collection on another thread can finalize it and free the native scalar while LibTorch reads
/// it. A Scalar counts as held when it is stored in a field, or in a local that the method later disposes (what
/// <c>using</c> compiles to).
/// </remarks>
internal sealed class TemporaryScalars
{
    private static readonly Assembly TorchSharpAssembly = typeof(torch).Assembly;
    private static readonly OpCode[] NumberedStores = [OpCodes.Stloc_0, OpCodes.Stloc_1, OpCodes.Stloc_2, OpCodes.Stloc_3];
    private static readonly OpCode[] NumberedLoads = [OpCodes.Ldloc_0, OpCodes.Ldloc_1, OpCodes.Ldloc_2, OpCodes.Ldloc_3];

    private readonly HashSet<(Module, int)> _torchSharpMakers;

    private TemporaryScalars(HashSet<(Module, int)> torchSharpMakers) => _torchSharpMakers = torchSharpMakers;

    /// <summary>The analysis of the loaded TorchSharp: which of its methods make a temporary Scalar, at any depth.</summary>
    public static TemporaryScalars OfTorchSharp { get; } = Analyse();

    /// <summary>True when <paramref name="method"/>, a TorchSharp method, makes a temporary Scalar itself or through the methods it calls.</summary>
    public bool MakesOne(MethodBase method) => _torchSharpMakers.Contains(Key(method));

    /// <summary>What in <paramref name="method"/>'s body hands LibTorch a temporary Scalar, one line per call site.</summary>
    public IEnumerable<string> Findings(MethodBase method)
    {
        var instructions = IlCalls.Read(method);
        for (int i = 0; i < instructions.Count; i++)
        {
            if (instructions[i].Member is not MethodBase callee)
                continue;
            bool conversion = ConvertsToScalar(callee);
            if (conversion && !IsHeld(instructions, i))
                yield return $"{Describe(method)} passes {Describe(callee)}'s result on without holding it";
            else if (!conversion && callee.DeclaringType?.Assembly == TorchSharpAssembly && MakesOne(callee))
                yield return $"{Describe(method)} calls {Describe(callee)}, which makes a temporary Scalar";
        }
    }

    /// <summary>"Type.Method(ParameterTypes)".</summary>
    public static string Describe(MethodBase method) =>
        $"{method.DeclaringType?.Name}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})";

    private static TemporaryScalars Analyse()
    {
        // Direct makers first, then every method that calls one, until nothing changes.
        var calls = new Dictionary<(Module, int), List<(Module, int)>>();
        var makers = new HashSet<(Module, int)>();
        foreach (var method in IlCalls.MethodsWithBodies(TorchSharpAssembly))
        {
            var instructions = IlCalls.Read(method);
            var callees = new List<(Module, int)>();
            for (int i = 0; i < instructions.Count; i++)
            {
                if (instructions[i].Member is not MethodBase callee || callee.DeclaringType?.Assembly != TorchSharpAssembly)
                    continue;
                bool conversion = ConvertsToScalar(callee);
                if (!conversion)
                    callees.Add(Key(callee));
                else if (!IsHeld(instructions, i))
                    makers.Add(Key(method));
            }

            calls[Key(method)] = callees;
        }

        bool grew = true;
        while (grew)
        {
            grew = false;
            foreach (var (method, callees) in calls)
            {
                if (!makers.Contains(method) && callees.Any(makers.Contains))
                    grew |= makers.Add(method);
            }
        }

        return new TemporaryScalars(makers);
    }

    // Generic instantiations share their definition's token.
    private static (Module, int) Key(MethodBase method) => (method.Module, method.MetadataToken);

    // op_Implicit from a number, ToScalar() and the like: a static TorchSharp method that returns a new Scalar.
    private static bool ConvertsToScalar(MethodBase method) =>
        method is MethodInfo { IsStatic: true } info && info.ReturnType == typeof(Scalar) && info.DeclaringType?.Assembly == TorchSharpAssembly;

    private static bool IsHeld(IReadOnlyList<IlInstruction> instructions, int conversion)
    {
        if (conversion + 1 >= instructions.Count)
            return false;
        // Stored in a field, or returned: then the caller holds it (or not, which is checked where it is called).
        var next = instructions[conversion + 1];
        if (next.OpCode == OpCodes.Stfld || next.OpCode == OpCodes.Stsfld || next.OpCode == OpCodes.Ret)
            return true;
        if (LocalIndex(next, OpCodes.Stloc, OpCodes.Stloc_S, NumberedStores) is not { } local)
            return false;

        // using: the finally block loads the local and disposes it.
        for (int i = conversion + 2; i + 1 < instructions.Count; i++)
        {
            if (LocalIndex(instructions[i], OpCodes.Ldloc, OpCodes.Ldloc_S, NumberedLoads) == local &&
                instructions[i + 1].Member is MethodBase { Name: "Dispose" })
            {
                return true;
            }
        }

        return false;
    }

    private static int? LocalIndex(IlInstruction instruction, OpCode general, OpCode shortForm, OpCode[] numbered)
    {
        if (instruction.OpCode == general || instruction.OpCode == shortForm)
        {
            return instruction.OpCode == shortForm ? instruction.Operand & 0xFF : instruction.Operand & 0xFFFF;
        }

        int index = Array.IndexOf(numbered, instruction.OpCode);
        return index >= 0 ? index : null;
    }
}
