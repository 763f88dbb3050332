using Microsoft.ML.BornAgain.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain;

/// <summary>One trained generation: its network, its architecture and what each epoch achieved.</summary>
public sealed class TrainedGeneration
{
    internal TrainedGeneration(int index, NetworkArchitecture architecture, nn.Module<Tensor, Tensor> network,
        IReadOnlyList<EpochMetrics> epochs)
    {
        Index = index;
        Architecture = architecture;
        Network = network;
        Epochs = epochs;
        ParameterCount = network.parameters().Sum(p => p.numel());
    }

    /// <summary>0 for the teacher, k for BAN-k.</summary>
    public int Index { get; }

    /// <summary>The generation's network architecture.</summary>
    public NetworkArchitecture Architecture { get; }

    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount { get; }

    /// <summary>Metrics of every epoch, in order (empty for a generation loaded from a model file saved without them).</summary>
    public IReadOnlyList<EpochMetrics> Epochs { get; }

    /// <summary>The trained network, in evaluation mode; owned by the model that holds this generation.</summary>
    internal nn.Module<Tensor, Tensor> Network { get; }

    /// <inheritdoc/>
    public override string ToString() => Index == 0 ? $"Teacher ({Architecture})" : $"BAN-{Index} ({Architecture})";
}
