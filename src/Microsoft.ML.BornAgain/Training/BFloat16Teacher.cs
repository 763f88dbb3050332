using System.Runtime.Intrinsics.X86;
using Microsoft.ML.BornAgain.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// A bfloat16 copy of a teacher network for its students' forward passes (<see cref="BornAgainTrainingOptions.TeacherInBFloat16"/>):
/// float32 batches in, float32 logits out, the layers in between in bfloat16.
/// </summary>
/// <remarks>
/// The copy serves only the teacher's outputs during a student's training; the float32 original stays the generation
/// that is saved, scored and ensembled. bfloat16 keeps float32's range with 8 bits of mantissa, so a copy's
/// probabilities differ from the original's by about 1e-3 (docs/performance.md measures it on real images).
/// </remarks>
internal sealed class BFloat16Teacher : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> network;

    private BFloat16Teacher(nn.Module<Tensor, Tensor> copy) : base(nameof(BFloat16Teacher))
    {
        network = copy;
        RegisterComponents();
    }

    /// <summary>
    /// True when <paramref name="device"/> computes in bfloat16 natively: a GPU, or a CPU with AVX512_BF16 or AMX-BF16
    /// whose convolutions are not held below them by <c>ONEDNN_MAX_CPU_ISA</c>. Elsewhere LibTorch emulates bfloat16 in
    /// float32 arithmetic, which is slower than float32 itself.
    /// </summary>
    public static bool IsNative(Device device)
    {
        if (device.type != DeviceType.CPU)
            return device.type == DeviceType.CUDA;
        if (!X86Base.IsSupported || X86Base.CpuId(0, 0).Eax < 7 || !OneDnnMayUseBFloat16())
            return false;
        bool avx512Bf16 = (X86Base.CpuId(7, 1).Eax & (1 << 5)) != 0; // CPUID.(EAX=7,ECX=1):EAX[5]
        bool amxBf16 = (X86Base.CpuId(7, 0).Edx & (1 << 22)) != 0;   // CPUID.(EAX=7,ECX=0):EDX[22]
        return avx512Bf16 || amxBf16;
    }

    /// <summary>
    /// False when <c>ONEDNN_MAX_CPU_ISA</c> holds oneDNN to an instruction set without bfloat16 arithmetic (SSE41, AVX,
    /// AVX2, AVX2_VNNI, AVX512_CORE, AVX512_CORE_VNNI): the levels from AVX512_CORE_BF16 on, AMX and AVX10 have it.
    /// </summary>
    private static bool OneDnnMayUseBFloat16()
    {
        string? limit = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA")?.Trim().ToUpperInvariant();
        return string.IsNullOrEmpty(limit) || limit is "ALL" or "DEFAULT"
            || limit.Contains("BF16", StringComparison.Ordinal) || limit.Contains("AMX", StringComparison.Ordinal)
            || limit.Contains("AVX10", StringComparison.Ordinal) || limit.Contains("FP16", StringComparison.Ordinal);
    }

    /// <summary>
    /// Copies <paramref name="teacher"/> (of <paramref name="architecture"/>) to bfloat16 on <paramref name="device"/>,
    /// in evaluation mode. The original is left as it is.
    /// </summary>
    public static BFloat16Teacher From(nn.Module<Tensor, Tensor> teacher, NetworkArchitecture architecture,
        int channels, int classCount, Device device)
    {
        var copy = architecture.CreateNetwork(channels, classCount);
        try
        {
            copy.load_state_dict(teacher.state_dict());
            copy.to(device).to(ScalarType.BFloat16);
            var result = new BFloat16Teacher(copy);
            result.eval();
            return result;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>Logits [B, classes] in float32 for float32 input [B, C, H, W] (its memory order kept).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return network.call(input.to(ScalarType.BFloat16)).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
