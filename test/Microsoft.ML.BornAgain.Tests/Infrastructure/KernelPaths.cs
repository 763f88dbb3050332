namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

/// <summary>
/// The CPU kernel paths the numerics-sensitive tests also run under, in child test runs (see KernelPathTests):
/// LibTorch picks its kernels from the processor's instruction sets when it loads, so one machine runs one set of
/// kernels unless the environment lowers the level. These settings give a machine with AVX-512 its AVX2 and SSE4.1
/// oneDNN kernels and ATen's AVX2 and scalar kernels, and a machine with AVX2 only its SSE4.1 and scalar ones.
/// </summary>
internal static class KernelPaths
{
    /// <summary>The test category of the tests the child runs repeat.</summary>
    public const string Category = "KernelPaths";

    /// <summary>Environment variables that select LibTorch's kernels, with the values the child runs set.</summary>
    public static readonly string[] Settings =
    {
        "ONEDNN_MAX_CPU_ISA=SSE41",
        "ONEDNN_MAX_CPU_ISA=AVX2",
        "ATEN_CPU_CAPABILITY=default",
        "ATEN_CPU_CAPABILITY=avx2",
    };

    /// <summary>The kernel-selecting variables set in this process, for messages ("defaults" when none).</summary>
    public static string Current
    {
        get
        {
            var set = Settings.Select(s => s.Split('=')[0]).Distinct()
                .Where(name => Environment.GetEnvironmentVariable(name) is not null)
                .Select(name => $"{name}={Environment.GetEnvironmentVariable(name)}")
                .ToList();
            return set.Count == 0 ? "default kernels" : string.Join(", ", set);
        }
    }
}
