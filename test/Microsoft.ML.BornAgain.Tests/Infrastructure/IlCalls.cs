using System.Reflection;
using System.Reflection.Emit;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

/// <summary>One IL instruction of a method body: its opcode and, for calls and field stores, the member it names.</summary>
internal readonly record struct IlInstruction(OpCode OpCode, int Operand, MemberInfo? Member);

/// <summary>Reads a method's IL with reflection: enough to see which methods it calls and what it does with the results.</summary>
internal static class IlCalls
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(opCode => opCode.Value);

    /// <summary>Every method, constructor and accessor with a body, compiler-generated ones (lambdas, iterators) included.</summary>
    public static IEnumerable<MethodBase> MethodsWithBodies(Assembly assembly)
    {
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
            BindingFlags.Static | BindingFlags.DeclaredOnly;
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.OfType<Type>().ToArray();
        }

        foreach (var type in types)
        {
            foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
            {
                if (method.GetMethodBody() is not null)
                    yield return method;
            }
        }
    }

    /// <summary>The instructions of <paramref name="method"/>, with the called method or stored field resolved.</summary>
    public static IReadOnlyList<IlInstruction> Read(MethodBase method)
    {
        byte[] il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        var instructions = new List<IlInstruction>();
        int position = 0;
        while (position < il.Length)
        {
            short value = il[position] == 0xFE ? unchecked((short)(0xFE00 | il[position + 1])) : il[position];
            position += il[position] == 0xFE ? 2 : 1;
            var opCode = OpCodesByValue[value];
            int size = OperandSize(opCode.OperandType, il, position);
            int operand = size switch
            {
                1 => il[position],
                2 => BitConverter.ToInt16(il, position),
                4 => BitConverter.ToInt32(il, position),
                _ => 0,
            };
            instructions.Add(new IlInstruction(opCode, operand, Resolve(method, opCode, operand)));
            position += size;
        }

        return instructions;
    }

    private static int OperandSize(OperandType type, byte[] il, int position) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, position),
        _ => 4,
    };

    private static MemberInfo? Resolve(MethodBase method, OpCode opCode, int token)
    {
        if (opCode.OperandType is not (OperandType.InlineMethod or OperandType.InlineField))
            return null;
        try
        {
            var typeArguments = method.DeclaringType is { IsGenericType: true } type ? type.GetGenericArguments() : null;
            var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
            return method.Module.ResolveMember(token, typeArguments, methodArguments);
        }
        catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or FileNotFoundException)
        {
            return null; // a member of an assembly that is not loaded here: not TorchSharp's, which is
        }
    }
}
