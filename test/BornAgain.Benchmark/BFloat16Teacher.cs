using Microsoft.ML.BornAgain;
using TorchSharp;
using static TorchSharp.torch;

namespace BornAgain.Benchmark;

/// <summary>
/// A bfloat16 copy of a teacher network, as a student's teacher forward pass would use it (the bf16 phase): float32
/// batches in, float32 logits out, the convolutions in between in bfloat16.
/// </summary>
internal sealed class BFloat16Teacher : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> network;

    private BFloat16Teacher(nn.Module<Tensor, Tensor> copy) : base(nameof(BFloat16Teacher))
    {
        network = copy;
        RegisterComponents();
    }

    /// <summary>
    /// Copies <paramref name="teacher"/> (of <paramref name="architecture"/>) to bfloat16 on <paramref name="device"/>,
    /// in evaluation mode. The original is left as it is: it stays the generation that is saved and scored.
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
