using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Captures and restores a generation's complete training state at an epoch boundary: weights (with batch-norm
/// statistics), SGD momentum, and both random generators, so a resumed run continues bit for bit.
/// </summary>
internal static class GenerationState
{
    public static TrainingCheckpoint.InProgress Capture(int generation, NetworkArchitecture architecture,
        IReadOnlyList<EpochMetrics> epochs, nn.Module<Tensor, Tensor> network, MomentumSgd optimizer, Generator dataGenerator)
    {
        var optimizerState = new MemoryStream();
        using (var writer = new BinaryWriter(optimizerState, System.Text.Encoding.UTF8, leaveOpen: true))
            optimizer.SaveState(writer);
        return new TrainingCheckpoint.InProgress(generation, architecture, epochs.ToList(), SaveWeights(network),
            optimizerState.ToArray(), StateBytes(dataGenerator.get_state()), StateBytes(random.get_rng_state()));
    }

    public static void Restore(TrainingCheckpoint.InProgress state, nn.Module<Tensor, Tensor> network,
        MomentumSgd optimizer, Generator dataGenerator)
    {
        LoadWeights(network, state.Weights);
        using (var reader = new BinaryReader(new MemoryStream(state.OptimizerState)))
            optimizer.LoadState(reader);
        using (var dataState = tensor(state.DataGeneratorState))
            dataGenerator.set_state(dataState);
        using (var globalState = tensor(state.GlobalGeneratorState))
            random.set_rng_state(globalState);
    }

    /// <summary>The network's state_dict in TorchSharp's format (its save closes the stream, hence a copy).</summary>
    public static byte[] SaveWeights(nn.Module<Tensor, Tensor> network)
    {
        var buffer = new MemoryStream();
        network.save(buffer);
        return buffer.ToArray();
    }

    public static void LoadWeights(nn.Module<Tensor, Tensor> network, byte[] weights) =>
        network.load(new MemoryStream(weights), strict: true);

    private static byte[] StateBytes(Tensor state)
    {
        using (state)
            return state.bytes.ToArray();
    }
}
