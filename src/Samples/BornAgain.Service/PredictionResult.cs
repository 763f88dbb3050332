namespace BornAgain.Service;

/// <summary>The JSON answer of <c>POST /predict</c>.</summary>
/// <param name="PredictedLabel">The most probable class.</param>
/// <param name="Scores">Every class's probability, in the model's class order.</param>
/// <param name="Generations">The generations whose (averaged) probabilities scored.</param>
public sealed record PredictionResult(string PredictedLabel, IReadOnlyDictionary<string, float> Scores, IReadOnlyList<GenerationInfo> Generations)
{
    /// <summary>The answer for <paramref name="scores"/> (one per label, in label order): the first highest wins a tie.</summary>
    public static PredictionResult From(ReadOnlySpan<float> scores, IReadOnlyList<string> labels, IReadOnlyList<GenerationInfo> generations)
    {
        if (scores.Length != labels.Count)
            throw new InvalidOperationException($"The model gave {scores.Length} scores for {labels.Count} classes.");
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
                best = i;
        }

        var byLabel = new Dictionary<string, float>(scores.Length);
        for (int i = 0; i < scores.Length; i++)
            byLabel[labels[i]] = scores[i];
        return new PredictionResult(labels[best], byLabel, generations);
    }
}

/// <summary>One scoring generation: its index (0 = teacher), network and display name.</summary>
public sealed record GenerationInfo(int Index, string Architecture, string Name);
