using Microsoft.ML.BornAgain.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Losses;

/// <summary>
/// DKPP, Dark Knowledge with Permuted Predictions (paper Sec. 3.2, Eq. 11): the BAN cross-entropy against a target
/// p̃ that keeps the teacher's argmax probability at its position and randomly permutes the other n − 1 probabilities
/// over the other positions, L = (1/b) Σ_s −Σ_i p̃_{i,s} log q_{i,s}.
/// </summary>
/// <remarks>
/// The paper does not say how often a permutation is drawn; here every sample gets a fresh one on every call, drawn from
/// the seeded generator so runs are reproducible. The two steps are separate methods so each can be tested alone:
/// <see cref="PermuteAllButArgmax"/> (random) and <see cref="StudentLoss.SoftTargetCrossEntropy"/> (deterministic).
/// </remarks>
internal sealed class DarkKnowledgePermutedLoss : StudentLoss
{
    private readonly Generator _generator;

    /// <param name="generator">Source of the permutations; owned by the caller, who seeds and disposes it.</param>
    public DarkKnowledgePermutedLoss(Generator generator)
    {
        _generator = generator;
    }

    /// <inheritdoc/>
    public override Tensor Compute(Tensor studentLogits, Tensor labels, Tensor teacherLogits)
    {
        CheckShapes(studentLogits, labels, teacherLogits);
        using var scope = NewDisposeScope();
        var permutedTarget = PermuteAllButArgmax(TeacherProbabilities(teacherLogits), _generator); // [batch, classes]
        return SoftTargetCrossEntropy(studentLogits, permutedTarget).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Returns p̃: each row of <paramref name="teacherProbabilities"/> with its argmax value kept in place and the other
    /// values moved by an independent uniformly random permutation of the non-argmax positions.
    /// </summary>
    /// <param name="teacherProbabilities">[batch, classes] constants (no gradient).</param>
    /// <param name="generator">Draws the random sort keys; its device may differ from the probabilities'.</param>
    /// <returns>[batch, classes], same values per row, same argmax position.</returns>
    internal static Tensor PermuteAllButArgmax(Tensor teacherProbabilities, Generator generator)
    {
        using var scope = NewDisposeScope();
        var (batchSize, classCount) = (teacherProbabilities.shape[0], teacherProbabilities.shape[1]);
        var device = teacherProbabilities.device;
        var argmax = teacherProbabilities.argmax(1, keepdim: true);                          // [batch, 1]
        using Scalar minusOne = -1f, classes = classCount; // held until LibTorch is done with them (see KeptScalars)

        // Sorting uniform random keys gives a uniform random permutation (ties have probability ~0). The argmax gets key
        // −1, below every key in [0, 1), so it sorts first and the rest is a random order of the non-argmax positions.
        var randomKeys = rand([batchSize, classCount], ScalarType.Float32, generator.device, generator: generator)
            .to(device)
            .scatter(1, argmax, full(batchSize, 1, minusOne, ScalarType.Float32, device));  // [batch, classes]
        var randomOrder = randomKeys.argsort(1);                                             // [batch, classes]

        // The same trick with keys 0..n−1 lists the argmax first and then the other positions in increasing order.
        var positions = arange(KeptScalars.Zero, classes, KeptScalars.One, ScalarType.Float32, device); // [classes]
        var positionKeys = positions.expand(batchSize, classCount)
            .scatter(1, argmax, full(batchSize, 1, minusOne, ScalarType.Float32, device));  // [batch, classes]
        var naturalOrder = positionKeys.argsort(1);                                          // [batch, classes]

        // Position naturalOrder[k] takes its value from randomOrder[k]: column 0 maps the argmax onto itself, the other
        // columns form a bijection of the non-argmax positions.
        var sourcePosition = zeros_like(naturalOrder).scatter(1, naturalOrder, randomOrder);  // [batch, classes]
        return teacherProbabilities.gather(1, sourcePosition).MoveToOuterDisposeScope();
    }
}
