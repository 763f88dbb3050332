using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Losses;

/// <summary>
/// CWTM, Confidence-Weighted by Teacher Max (paper Sec. 3.2, Eq. 10): L = −Σ_s w_s log q_{y_s,s}, with
/// w_s = max_j p_{j,s} / Σ_u max_j p_{j,u}.
/// </summary>
/// <remarks>
/// Eq. 10 gives the gradient Σ_s w_s (q_{*,s} − y_{*,s}); this loss has exactly that gradient because the weights are
/// teacher constants. They sum to 1 over the batch and so replace the 1/b mean. The teacher's maximum is used even when
/// its argmax is not the label ("even if the teacher [is] wrong"), and all its other outputs are discarded.
/// </remarks>
internal sealed class ConfidenceWeightedByTeacherMaxLoss : StudentLoss
{
    /// <inheritdoc/>
    public override Tensor Compute(Tensor studentLogits, Tensor labels, Tensor teacherLogits)
    {
        CheckShapes(studentLogits, labels, teacherLogits);
        using var scope = NewDisposeScope();
        var sampleWeights = TeacherConfidenceWeights(teacherLogits);                         // [batch], sums to 1
        var labelLogProbabilities = studentLogits.log_softmax(1)
            .gather(1, labels.unsqueeze(1)).squeeze(1);                                       // [batch]
        var loss = -(sampleWeights * labelLogProbabilities).sum();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>w_s = max_j p_{j,s} / Σ_u max_j p_{j,u}: the teacher's normalized confidence, a constant.</summary>
    /// <param name="teacherLogits">[batch, classes].</param>
    /// <returns>[batch] weights summing to 1.</returns>
    internal static Tensor TeacherConfidenceWeights(Tensor teacherLogits)
    {
        using var scope = NewDisposeScope();
        var teacherMax = TeacherProbabilities(teacherLogits).max(1).values;                   // [batch]
        return (teacherMax / teacherMax.sum()).MoveToOuterDisposeScope();
    }
}
