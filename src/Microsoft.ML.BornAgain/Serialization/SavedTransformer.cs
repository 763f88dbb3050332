using Microsoft.ML.BornAgain.MLNet;
using Microsoft.ML.BornAgain.Training;

namespace Microsoft.ML.BornAgain.Serialization;

/// <summary>
/// What a saved Born-Again transformer consists of: the file format reads and writes this, and the transformer is
/// built from it, so the format never needs the transformer's own members (one direction: transformer to format).
/// </summary>
internal sealed record SavedTransformer(
    BornAgainModel Model,
    LabelKeyValues Labels,
    ImageShape InputShape,
    string ImageColumnName,
    string ScoreColumnName,
    string PredictedLabelColumnName,
    IReadOnlyList<int> ScoringGenerations);
