using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>Checks the image batch handed to a network's forward pass and lays it out for the CPU's convolutions.</summary>
internal static class NetworkInput
{
    /// <summary>The smallest height and width every network accepts (three stages, two of them halving the size).</summary>
    public const int MinimumImageSize = 8;

    /// <summary>
    /// <paramref name="input"/> as the network's layers must see it: checked by <see cref="Check"/>, then on the CPU in
    /// channels-last order (<see cref="ChannelsLastLayout.Arrange"/>; no copy when it already is).
    /// </summary>
    /// <remarks>
    /// Every network calls this first, so that no caller (the trainer, an evaluation, a test handing in a tensor from
    /// <c>randn</c>) can run the convolutions in oneDNN's blocked layouts. There LibTorch's backward pass of a 3x3
    /// convolution whose output channels do not fill whole blocks (of 16 with AVX-512, 8 with AVX2: DenseNet-BC's
    /// growth of 8 or 12) returns wrong input gradients, NaN when the memory it was handed held NaN before
    /// (docs/reproducibility.md). The channels-last path computes them right with every kernel path measured.
    /// </remarks>
    public static Tensor Prepare(Tensor input, long channels, string networkName)
    {
        Check(input, channels, networkName);
        return ChannelsLastLayout.Arrange(input);
    }

    /// <summary>Throws unless <paramref name="input"/> is [batch, <paramref name="channels"/>, H, W] with H, W at least 8.</summary>
    private static void Check(Tensor input, long channels, string networkName)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4)
        {
            throw new ArgumentException(
                $"{networkName} expects input of shape [batch, {channels}, height, width], got shape [{string.Join(", ", input.shape)}].",
                nameof(input));
        }

        if (input.shape[1] != channels)
        {
            throw new ArgumentException(
                $"{networkName} was created for {channels} input channel(s), got input with {input.shape[1]} channel(s).",
                nameof(input));
        }

        if (input.shape[2] < MinimumImageSize || input.shape[3] < MinimumImageSize)
        {
            throw new ArgumentException(
                $"{networkName} needs images of at least {MinimumImageSize}x{MinimumImageSize}, got {input.shape[2]}x{input.shape[3]}.",
                nameof(input));
        }
    }
}
