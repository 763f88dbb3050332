using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.Sample;

/// <summary>
/// The pipeline pieces shared by the sample's runs and the study's: the trainer's common options, the upstream
/// transforms and the test error.
/// </summary>
internal static class SamplePipeline
{
    /// <summary>
    /// Trainer options for the columns the upstream part makes (<c>Label</c>, <c>Image</c>) and the settings every run
    /// sets the same way; the caller adds generations, epochs and loss.
    /// </summary>
    public static BornAgainTrainer.Options TrainerOptions(SampleDataset dataset, NetworkArchitecture network, int batchSize,
        double learningRate, LearningRateSchedule schedule, int seed, int threads) => new()
    {
        LabelColumnName = "Label",
        ImageColumnName = "Image",
        Architecture = network,
        BatchSize = batchSize,
        LearningRate = learningRate,
        Schedule = schedule,
        HorizontalFlip = dataset.FlipsHorizontally,
        Seed = seed,
        NumberOfThreads = threads,
    };

    /// <summary>MapValueToKey for the label, and LoadImages when rows carry file paths.</summary>
    public static IEstimator<ITransformer> Upstream(MLContext ml, SampleDataset dataset)
    {
        var labels = ml.Transforms.Conversion.MapValueToKey("Label");
        return dataset.HasImagePaths
            ? labels.Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            : labels;
    }

    /// <summary>
    /// 1 - micro accuracy of the chain scored by <paramref name="generations"/>. The chain is cut before
    /// MapKeyToValue because Evaluate needs PredictedLabel as a key.
    /// </summary>
    public static double TestError(MLContext ml, IEnumerable<ITransformer> model, BornAgainTransformer bornAgain,
        int[] generations, IDataView test)
    {
        using var scorer = bornAgain.WithScoringGenerations(generations);
        var upToScorer = model.TakeWhile(t => t is not BornAgainTransformer).Append(scorer).ToArray();
        var scored = new TransformerChain<ITransformer>(upToScorer).Transform(test);
        return 1 - ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
    }
}
