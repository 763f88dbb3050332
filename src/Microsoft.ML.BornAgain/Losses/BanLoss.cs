using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Losses;

/// <summary>
/// BAN (paper Sec. 3.1, Eq. 2): cross-entropy between the teacher's and the student's distributions at T = 1,
/// L = (1/b) Σ_s −Σ_i p_{i,s} log q_{i,s}; the labels are not used.
/// </summary>
internal sealed class BanLoss : StudentLoss
{
    /// <inheritdoc/>
    public override Tensor Compute(Tensor studentLogits, Tensor labels, Tensor teacherLogits)
    {
        CheckShapes(studentLogits, labels, teacherLogits);
        using var scope = NewDisposeScope();
        var teacherProbabilities = TeacherProbabilities(teacherLogits);                      // [batch, classes]
        return SoftTargetCrossEntropy(studentLogits, teacherProbabilities).MoveToOuterDisposeScope();
    }
}
