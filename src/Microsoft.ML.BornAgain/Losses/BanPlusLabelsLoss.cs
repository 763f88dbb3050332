using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Losses;

/// <summary>
/// BAN+L (paper Sec. 3.1, Table 2): L = w · CE(y, q) + (1 − w) · BAN, both terms averaged over the batch.
/// The paper does not state the weight, so w is the caller's label weight.
/// </summary>
internal sealed class BanPlusLabelsLoss : StudentLoss
{
    private readonly double _labelWeight;

    /// <param name="labelWeight">w in [0, 1]; checked by <see cref="StudentLoss.Create"/>.</param>
    public BanPlusLabelsLoss(double labelWeight)
    {
        _labelWeight = labelWeight;
    }

    /// <inheritdoc/>
    public override Tensor Compute(Tensor studentLogits, Tensor labels, Tensor teacherLogits)
    {
        CheckShapes(studentLogits, labels, teacherLogits);
        using var scope = NewDisposeScope();
        var labelTerm = nn.functional.cross_entropy(studentLogits, labels);                  // scalar
        var teacherTerm = SoftTargetCrossEntropy(studentLogits, TeacherProbabilities(teacherLogits)); // scalar
        // Held by `using` until LibTorch is done with them (see HintonDistillationLoss).
        using Scalar labelWeight = _labelWeight, teacherWeight = 1 - _labelWeight, one = 1;
        var loss = labelTerm.mul(labelWeight).add(teacherTerm.mul(teacherWeight), one);
        return loss.MoveToOuterDisposeScope();
    }
}
