namespace BornAgain.Benchmark;

/// <summary>
/// The processor of the run from /proc/cpuinfo: its model name (on virtual machines often only "AMD EPYC"), family,
/// model and stepping (which tell the generation apart), and the vector instruction sets LibTorch chooses its kernels
/// by (AVX2, the AVX-512 subsets, AVX512_BF16, AMX).
/// </summary>
internal sealed record CpuInfo(string Model, string FamilyModelStepping, IReadOnlyList<string> VectorFlags)
{
    public static CpuInfo Read()
    {
        if (!File.Exists("/proc/cpuinfo"))
            return new CpuInfo(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(), "?", []);
        // The first processor's block: every core of one machine reports the same.
        var fields = File.ReadLines("/proc/cpuinfo").TakeWhile(l => l.Length > 0)
            .Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0].Trim()).ToDictionary(g => g.Key, g => g.First()[1].Trim());
        string Field(string name) => fields.TryGetValue(name, out var value) ? value : "?";
        var flags = Field("flags").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(f => f is "avx2" or "fma" or "f16c" || f.StartsWith("avx512", StringComparison.Ordinal) ||
                f.StartsWith("amx", StringComparison.Ordinal) || f.StartsWith("avx_vnni", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        return new CpuInfo(Field("model name"), $"family {Field("cpu family")}, model {Field("model")}, stepping {Field("stepping")}", flags);
    }
}
