using System.Security.Cryptography;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training.Distributed;

/// <summary>
/// Keeps the ranks' networks one model: batch-normalization statistics, which each rank gathers from its own rows
/// (as PyTorch's DistributedDataParallel without SyncBatchNorm), are averaged over the ranks after every epoch, and the
/// whole state (weights and statistics) is then compared by hash, so ranks that drifted apart stop with an error.
/// </summary>
internal static class ReplicaAgreement
{
    /// <summary>Averages every floating-point buffer (running mean and variance) of <paramref name="network"/> over the ranks.</summary>
    public static void AverageBuffers(DataParallelGroup group, nn.Module<Tensor, Tensor> network)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var buffers = network.buffers().Where(b => b.is_floating_point()).ToList();
        if (buffers.Count == 0)
            return;
        var flat = cat(buffers.Select(b => b.detach().reshape(-1).to(ScalarType.Float64, CPU)).ToList(), 0).contiguous();
        var values = flat.data<double>().ToArray();
        group.Sum(values);
        using var sums = tensor(values, ScalarType.Float64);
        using Scalar ranks = (double)group.Size;
        var means = sums.div(ranks);
        long offset = 0;
        foreach (var buffer in buffers)
        {
            buffer.copy_(means.narrow(0, offset, buffer.numel()).view(buffer.shape));
            offset += buffer.numel();
        }
    }

    /// <summary>Throws on every rank unless all ranks hold the same weights and statistics, byte for byte.</summary>
    public static void CheckSameModel(DataParallelGroup group, nn.Module<Tensor, Tensor> network, int generation, int epoch)
    {
        var hash = SHA256.HashData(GenerationState.SaveWeights(network));
        long head = BitConverter.ToInt64(hash, 0);
        group.CheckSame($"the model after generation {generation}, epoch {epoch} (their weights differ: the MPI library's " +
            "allreduce did not give every rank the same sums)",
            new[] { head }, new[] { "weights hash" });
    }
}
