using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// Batch normalization over the channels of [B, C, H, W] maps (Ioffe and Szegedy 2015): PyTorch's <c>BatchNorm2d</c>
/// with its defaults (momentum 0.1, epsilon 1e-5, affine, running statistics), the same state_dict names
/// (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>) and the same
/// arithmetic, through the same LibTorch call.
/// </summary>
/// <remarks>
/// TorchSharp's own <c>BatchNorm2d</c> counts batches in training with <c>num_batches_tracked.add_(1)</c>, which turns
/// the 1 into a temporary <see cref="Scalar"/> on every layer and every step (see <see cref="KeptScalars"/>): a
/// collection on another thread can free it while LibTorch reads it. This one counts with a scalar that is never
/// collected.
/// </remarks>
internal sealed class BatchNormalization : nn.Module<Tensor, Tensor>
{
    private const double Momentum = 0.1;
    private const double Epsilon = 1e-5;

    // Field names are the state_dict names; TorchSharp's Module.to() finds the fields by them.
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly Tensor running_mean;
    private readonly Tensor running_var;
    private readonly Tensor num_batches_tracked;

    /// <summary>Creates the layer for <paramref name="channels"/> channels: scale 1, shift 0, running mean 0 and variance 1.</summary>
    public BatchNormalization(long channels)
        : base(nameof(BatchNormalization))
    {
        weight = nn.Parameter(ones(channels));
        bias = nn.Parameter(zeros(channels));
        running_mean = zeros(channels);
        running_var = ones(channels);
        num_batches_tracked = tensor(0L);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (training)
        {
            using var noGrad = no_grad();
            num_batches_tracked.add_(KeptScalars.One, KeptScalars.One); // add_(1) would make a temporary alpha
        }

        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, Momentum, Epsilon);
    }
}
