namespace BornAgain.Service;

/// <summary>The JSON answer of <c>POST /predict</c>.</summary>
/// <param name="PredictedLabel">The most probable class.</param>
/// <param name="Scores">Every class's probability, in the model's class order.</param>
/// <param name="Generations">The generations whose (averaged) probabilities scored.</param>
public sealed record PredictionResult(string PredictedLabel, IReadOnlyDictionary<string, float> Scores, IReadOnlyList<GenerationInfo> Generations);

/// <summary>One scoring generation: its index (0 = teacher), network and display name.</summary>
public sealed record GenerationInfo(int Index, string Architecture, string Name);
