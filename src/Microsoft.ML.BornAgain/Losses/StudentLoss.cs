using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Losses;

/// <summary>
/// The objective of a student generation: one subclass per <see cref="BornAgainLoss"/> kind.
/// </summary>
internal abstract class StudentLoss
{
    /// <summary>Computes the loss of one mini-batch.</summary>
    /// <param name="studentLogits">[batch, classes] student outputs, part of the autograd graph.</param>
    /// <param name="labels">[batch] int64 class indices.</param>
    /// <param name="teacherLogits">[batch, classes] frozen teacher outputs; detached here, never differentiated.</param>
    /// <returns>A scalar, averaged over the batch unless the kind's definition weights the samples itself.</returns>
    public abstract Tensor Compute(Tensor studentLogits, Tensor labels, Tensor teacherLogits);

    /// <summary>Creates the loss of the given kind after checking its options.</summary>
    /// <param name="kind">Which objective.</param>
    /// <param name="labelWeight">Weight of the label cross-entropy, in [0, 1] (BAN+L's w, distillation's α).</param>
    /// <param name="temperature">Distillation temperature T, finite and &gt; 0.</param>
    /// <param name="generator">Seeded source of DKPP's permutations; unused by the other kinds.</param>
    public static StudentLoss Create(BornAgainLoss kind, double labelWeight, double temperature, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        // Written so that NaN fails the check as well.
        if (!(labelWeight >= 0 && labelWeight <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(labelWeight), labelWeight,
                $"The label weight must be in [0, 1]; got {labelWeight}.");
        }

        if (!(temperature > 0 && double.IsFinite(temperature)))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                $"The temperature must be finite and greater than 0; got {temperature}.");
        }

        return kind switch
        {
            BornAgainLoss.Ban => new BanLoss(),
            BornAgainLoss.BanPlusLabels => new BanPlusLabelsLoss(labelWeight),
            BornAgainLoss.HintonDistillation => new HintonDistillationLoss(labelWeight, temperature),
            BornAgainLoss.ConfidenceWeightedByTeacherMax => new ConfidenceWeightedByTeacherMaxLoss(),
            BornAgainLoss.DarkKnowledgePermuted => new DarkKnowledgePermutedLoss(generator),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind,
                $"Unknown loss kind; expected one of {string.Join(", ", Enum.GetNames<BornAgainLoss>())}."),
        };
    }

    /// <summary>Throws unless the logits are [batch, classes] of the same shape and the labels are [batch] int64.</summary>
    protected static void CheckShapes(Tensor studentLogits, Tensor labels, Tensor teacherLogits)
    {
        if (studentLogits.dim() != 2)
        {
            throw new ArgumentException(
                $"The student logits must be [batch, classes]; got shape [{string.Join(", ", studentLogits.shape)}].",
                nameof(studentLogits));
        }

        if (!teacherLogits.shape.SequenceEqual(studentLogits.shape))
        {
            throw new ArgumentException(
                $"The teacher logits must have the student's shape [{string.Join(", ", studentLogits.shape)}]; " +
                $"got [{string.Join(", ", teacherLogits.shape)}].",
                nameof(teacherLogits));
        }

        if (labels.dim() != 1 || labels.shape[0] != studentLogits.shape[0] || labels.dtype != ScalarType.Int64)
        {
            throw new ArgumentException(
                $"The labels must be [{studentLogits.shape[0]}] int64; got [{string.Join(", ", labels.shape)}] {labels.dtype}.",
                nameof(labels));
        }
    }

    /// <summary>
    /// Cross-entropy with a soft target, averaged over the batch: (1/b) Σ_s −Σ_i target_{i,s} log q_{i,s}.
    /// log_softmax keeps it finite for extreme logits where log(softmax(z)) would give −∞.
    /// </summary>
    /// <param name="studentLogits">[batch, classes].</param>
    /// <param name="targetProbabilities">[batch, classes], rows summing to 1, no gradient.</param>
    internal static Tensor SoftTargetCrossEntropy(Tensor studentLogits, Tensor targetProbabilities)
    {
        using var scope = NewDisposeScope();
        var studentLogProbabilities = studentLogits.log_softmax(1);                          // [batch, classes]
        var perSample = -(targetProbabilities * studentLogProbabilities).sum(1);             // [batch]
        return perSample.mean().MoveToOuterDisposeScope();
    }

    /// <summary>Softmax of the teacher's logits as constants: detached so no gradient reaches the teacher.</summary>
    protected static Tensor TeacherProbabilities(Tensor teacherLogits)
    {
        using var scope = NewDisposeScope();
        return teacherLogits.detach().softmax(1).MoveToOuterDisposeScope();                 // [batch, classes]
    }
}
