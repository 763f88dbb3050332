using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// Turns off LibTorch's NNPACK convolutions, once per process, before the first network is built.
/// </summary>
/// <remarks>
/// <para>
/// LibTorch asks whether NNPACK can run whenever a convolution does not go to oneDNN, which is every single-image
/// prediction of a small image. NNPACK needs the CPU to report its cache sizes through CPUID leaf 4; some virtual
/// machines with AMD EPYC processors report none, and there LibTorch printed "Could not initialize NNPACK! Reason:
/// Unsupported hardware." on standard error for every such convolution, dozens of lines in the middle of a user's
/// output. The library never needs NNPACK: LibTorch only picks it for batches of at least 16 images that oneDNN does
/// not take, and oneDNN takes every CPU batch of more than one image. Turning it off changes no result; it removes the
/// question, and with it the warning.
/// </para>
/// <para>
/// TorchSharp has no setting for it, so this calls LibTorch's own <c>at::globalContext().setUserEnabledNNPACK(false)</c>
/// through its exported (Itanium C++ ABI) names. Where they are not found (Windows builds of LibTorch, whose names are
/// mangled differently), nothing is changed.
/// </para>
/// </remarks>
internal static class ConvolutionBackends
{
    private const string LibTorchCpu = "torch_cpu";
    private const string GlobalContextName = "_ZN2at13globalContextEv";
    private const string SetNnpackName = "_ZN2at7Context20setUserEnabledNNPACKEb";
    private const string GetNnpackName = "_ZNK2at7Context17userEnabledNNPACKEv";

    private static readonly Lazy<bool> s_nnpackTurnedOff = new(TurnOffNnpack);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContext();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetUserEnabled(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool GetUserEnabled(IntPtr context);

    /// <summary>Turns NNPACK off in this process (the first call does it; later calls return at once).</summary>
    /// <returns>True when LibTorch's switch was found and NNPACK is off.</returns>
    public static bool Configure() => s_nnpackTurnedOff.Value;

    /// <summary>LibTorch's own answer to whether NNPACK may run, or null when LibTorch does not export the switch.</summary>
    internal static bool? IsNnpackEnabled()
    {
        if (!TryGetContext(out var library, out var context) ||
            !NativeLibrary.TryGetExport(library, GetNnpackName, out var get))
        {
            return null;
        }

        return Marshal.GetDelegateForFunctionPointer<GetUserEnabled>(get)(context);
    }

    private static bool TurnOffNnpack()
    {
        if (!TryGetContext(out var library, out var context) ||
            !NativeLibrary.TryGetExport(library, SetNnpackName, out var set))
        {
            return false;
        }

        Marshal.GetDelegateForFunctionPointer<SetUserEnabled>(set)(context, false);
        return true;
    }

    private static bool TryGetContext(out IntPtr library, out IntPtr context)
    {
        context = IntPtr.Zero;
        // Any TorchSharp call loads LibTorch first; this one only reads a setting.
        _ = get_num_threads();
        return NativeLibrary.TryLoad(LibTorchCpu, typeof(ConvolutionBackends).Assembly, null, out library)
            && NativeLibrary.TryGetExport(library, GlobalContextName, out var globalContext)
            && (context = Marshal.GetDelegateForFunctionPointer<GlobalContext>(globalContext)()) != IntPtr.Zero;
    }
}
