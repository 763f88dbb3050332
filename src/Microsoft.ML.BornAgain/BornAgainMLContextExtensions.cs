using Microsoft.ML.BornAgain;
using Microsoft.ML.BornAgain.MLNet;
using Microsoft.ML.Runtime;

namespace Microsoft.ML;

/// <summary>
/// The entry points of Born-Again training: <c>mlContext.BornAgain()</c>, and
/// <c>mlContext.MulticlassClassification.Trainers.BornAgain(...)</c> next to ML.NET's own multiclass trainers.
/// </summary>
public static class BornAgainMLContextExtensions
{
    /// <summary>The catalog of Born-Again Network trainers.</summary>
    /// <param name="mlContext">The ML.NET context; its seed, <c>GpuDeviceId</c>, log and <c>CancelExecution()</c> apply to training.</param>
    public static BornAgainCatalog BornAgain(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new BornAgainCatalog(mlContext);
    }

    /// <summary>
    /// Creates a <see cref="BornAgainTrainer"/>: a teacher network trained on the images and labels, then
    /// <paramref name="generations"/> born-again students, each learning from the one before. The same as
    /// <c>mlContext.BornAgain().Train(...)</c>.
    /// </summary>
    /// <param name="catalog">The multiclass classification trainers of an <see cref="MLContext"/>.</param>
    /// <param name="labelColumnName">The label column: a key type (apply <c>MapValueToKey</c> first).</param>
    /// <param name="imageColumnName">The image column: <c>MLImage</c> (from <c>LoadImages</c>) or encoded image bytes.</param>
    /// <param name="generations">Students after the teacher: 2 trains the teacher, BAN-1 and BAN-2. 0 trains the teacher only.</param>
    /// <param name="epochsPerGeneration">Epochs each generation trains for.</param>
    /// <param name="architecture">The network of every generation; default <c>PreActResNet-20</c>.</param>
    /// <param name="scoreColumnName">The output column of class probabilities.</param>
    /// <param name="predictedLabelColumnName">The output column of the predicted class.</param>
    /// <param name="validationData">Optional data evaluated after every epoch (same columns and label keys as the training data).</param>
    public static BornAgainTrainer BornAgain(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = BornAgainTrainer.DefaultColumnNames.Label,
        string imageColumnName = BornAgainTrainer.DefaultColumnNames.Image,
        int generations = BornAgainTrainingOptions.Defaults.Generations,
        int epochsPerGeneration = BornAgainTrainingOptions.Defaults.EpochsPerGeneration,
        NetworkArchitecture? architecture = null,
        string scoreColumnName = BornAgainTrainer.DefaultColumnNames.Score,
        string predictedLabelColumnName = BornAgainTrainer.DefaultColumnNames.PredictedLabel,
        IDataView? validationData = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new BornAgainCatalog(CatalogEnvironment.Of(catalog)).Train(labelColumnName, imageColumnName, generations,
            epochsPerGeneration, architecture, scoreColumnName, predictedLabelColumnName, validationData);
    }

    /// <summary>Creates a <see cref="BornAgainTrainer"/> with every setting in <paramref name="options"/>; the same as <c>mlContext.BornAgain().Train(options)</c>.</summary>
    /// <param name="catalog">The multiclass classification trainers of an <see cref="MLContext"/>.</param>
    /// <param name="options">The trainer's settings; checked here, so a bad option fails before any data is read.</param>
    public static BornAgainTrainer BornAgain(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, BornAgainTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new BornAgainCatalog(CatalogEnvironment.Of(catalog)).Train(options);
    }
}
