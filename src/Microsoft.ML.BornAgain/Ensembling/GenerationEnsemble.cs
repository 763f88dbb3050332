using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Ensembling;

/// <summary>
/// BANE (Born-Again Network Ensemble, the paper's Eq. 4): the mean of the chosen generations' predicted
/// probabilities. Probabilities, not logits: averaging logits would weight confident members more.
/// </summary>
internal static class GenerationEnsemble
{
    /// <summary>Mean of softmax(network(input)) over <paramref name="networks"/>; [B, classes].</summary>
    /// <param name="networks">The members, in evaluation mode.</param>
    /// <param name="normalizedImages">A normalized batch [B, C, H, W] on the networks' device.</param>
    public static Tensor AverageProbabilities(IReadOnlyList<nn.Module<Tensor, Tensor>> networks, Tensor normalizedImages)
    {
        if (networks.Count == 0)
            throw new ArgumentException("An ensemble needs at least one generation.", nameof(networks));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor? sum = null;
        foreach (var network in networks)
        {
            var probabilities = nn.functional.softmax(network.call(normalizedImages), 1); // [B, classes]
            sum = sum is null ? probabilities : sum.add(probabilities, Networks.KeptScalars.One);
        }
        // Divided by a tensor, not by a number: a number would become a temporary Scalar (see KeptScalars).
        return sum!.div(tensor((float)networks.Count, device: sum.device)).MoveToOuterDisposeScope();
    }
}
