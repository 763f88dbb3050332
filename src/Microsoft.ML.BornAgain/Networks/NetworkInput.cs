using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>Checks the image batch handed to a network's forward pass.</summary>
internal static class NetworkInput
{
    /// <summary>The smallest height and width every network accepts (three stages, two of them halving the size).</summary>
    public const int MinimumImageSize = 8;

    /// <summary>Throws unless <paramref name="input"/> is [batch, <paramref name="channels"/>, H, W] with H, W at least 8.</summary>
    public static void Check(Tensor input, long channels, string networkName)
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
