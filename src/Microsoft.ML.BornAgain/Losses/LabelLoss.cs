using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Losses;

/// <summary>
/// The objective of generation 0, the teacher (paper Sec. 3, Eq. 1): cross-entropy with the labels, averaged over the
/// batch, optionally with label smoothing ε (target (1 − ε) · one-hot + ε / n, as PyTorch's label_smoothing).
/// </summary>
internal sealed class LabelLoss
{
    private readonly double _labelSmoothing;

    /// <param name="labelSmoothing">ε in [0, 1); 0 is plain cross-entropy.</param>
    /// <exception cref="ArgumentOutOfRangeException">ε is outside [0, 1) or NaN.</exception>
    public LabelLoss(double labelSmoothing)
    {
        // ε = 1 would make the target uniform and erase the labels altogether; NaN fails the check too.
        if (!(labelSmoothing >= 0 && labelSmoothing < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing,
                $"The label smoothing must be in [0, 1); got {labelSmoothing}.");
        }

        _labelSmoothing = labelSmoothing;
    }

    /// <summary>Computes the mean cross-entropy of a mini-batch.</summary>
    /// <param name="logits">[batch, classes], part of the autograd graph.</param>
    /// <param name="labels">[batch] int64 class indices.</param>
    /// <returns>A scalar.</returns>
    public Tensor Compute(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        // TorchSharp's cross_entropy is LibTorch's: log_softmax + NLL, stable for extreme logits.
        var loss = nn.functional.cross_entropy(logits, labels, label_smoothing: _labelSmoothing);
        return loss.MoveToOuterDisposeScope();
    }
}
