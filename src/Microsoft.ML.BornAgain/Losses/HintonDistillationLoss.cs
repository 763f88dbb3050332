using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Losses;

/// <summary>
/// Knowledge distillation (Hinton et al. 2015, arXiv:1503.02531, Sec. 2):
/// L = α · CE(y, q) + (1 − α) · T² · KL(softmax(t/T) ‖ softmax(z/T)).
/// </summary>
/// <remarks>
/// The KL divergence is summed over classes and divided by the batch size, PyTorch's "batchmean", which is the
/// mathematical definition. PyTorch's default "mean" (and TorchSharp's Reduction.Mean) also divides by the class count,
/// silently shrinking the soft term by a factor n; several BAN re-implementations make that mistake.
/// TorchSharp has no batchmean reduction, so the sum is divided by the batch size here.
/// The T² factor compensates the 1/T² scale of the soft-target gradients (Hinton Sec. 2).
/// </remarks>
internal sealed class HintonDistillationLoss : StudentLoss
{
    private readonly double _labelWeight;
    private readonly double _temperature;

    /// <param name="labelWeight">α in [0, 1], the weight of the hard-label term; checked by <see cref="StudentLoss.Create"/>.</param>
    /// <param name="temperature">T &gt; 0; checked by <see cref="StudentLoss.Create"/>.</param>
    public HintonDistillationLoss(double labelWeight, double temperature)
    {
        _labelWeight = labelWeight;
        _temperature = temperature;
    }

    /// <inheritdoc/>
    public override Tensor Compute(Tensor studentLogits, Tensor labels, Tensor teacherLogits)
    {
        CheckShapes(studentLogits, labels, teacherLogits);
        using var scope = NewDisposeScope();
        var batchSize = studentLogits.shape[0];
        var labelTerm = nn.functional.cross_entropy(studentLogits, labels);                  // scalar, T = 1

        // Scalars held by `using` until LibTorch is done with them: TorchSharp passes a number to LibTorch as a
        // temporary Scalar it does not keep alive, which a collection on another thread could free mid-call.
        using Scalar temperature = _temperature, batch = batchSize, one = 1;
        using Scalar labelWeight = _labelWeight, klWeight = (1 - _labelWeight) * (_temperature * _temperature);
        var studentLogProbabilities = studentLogits.div(temperature).log_softmax(1);          // [batch, classes]
        var teacherLogProbabilities = teacherLogits.detach().div(temperature).log_softmax(1); // [batch, classes]
        // kl_div(input = log q, target = log p, log_target) = Σ p (log p − log q); both in log space, so a teacher
        // probability that underflows to 0 contributes exactly 0 instead of 0 · (−∞).
        var klSum = nn.functional.kl_div(studentLogProbabilities, teacherLogProbabilities,
            log_target: true, reduction: nn.Reduction.Sum);                                   // scalar
        var klBatchMean = klSum.div(batch);

        var loss = labelTerm.mul(labelWeight).add(klBatchMean.mul(klWeight), one);
        return loss.MoveToOuterDisposeScope();
    }
}
