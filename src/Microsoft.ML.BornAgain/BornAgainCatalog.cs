using Microsoft.ML.Runtime;

namespace Microsoft.ML.BornAgain;

/// <summary>
/// Born-Again Network trainers for ML.NET, reached with <c>mlContext.BornAgain()</c>. The same trainer is also
/// reached as <c>mlContext.MulticlassClassification.Trainers.BornAgain(...)</c>.
/// </summary>
public sealed class BornAgainCatalog
{
    private readonly IHostEnvironment _environment;

    internal BornAgainCatalog(IHostEnvironment environment) => _environment = environment;

    /// <summary>
    /// Creates a <see cref="BornAgainTrainer"/> that trains a teacher network on the images and labels, then
    /// <paramref name="generations"/> born-again students, each learning from the one before.
    /// </summary>
    /// <param name="labelColumnName">The label column: a key type (apply <c>MapValueToKey</c> first).</param>
    /// <param name="imageColumnName">The image column: <c>MLImage</c> (from <c>LoadImages</c>) or encoded image bytes.</param>
    /// <param name="generations">Students after the teacher: 2 trains the teacher, BAN-1 and BAN-2. 0 trains the teacher only.</param>
    /// <param name="epochsPerGeneration">Epochs each generation trains for.</param>
    /// <param name="architecture">The network of every generation; default <c>PreActResNet-20</c>.</param>
    /// <param name="scoreColumnName">The output column of class probabilities.</param>
    /// <param name="predictedLabelColumnName">The output column of the predicted class.</param>
    /// <param name="validationData">Optional data evaluated after every epoch (same columns and label keys as the
    /// training data); its accuracy is reported in each generation's epoch metrics. Same as <c>Options.ValidationSet</c>.</param>
    /// <example>
    /// <code language="csharp">
    /// var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    ///     .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
    ///     .Append(ml.BornAgain().Train(labelColumnName: "Label", imageColumnName: "Image", generations: 2))
    ///     .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
    /// </code>
    /// </example>
    public BornAgainTrainer Train(
        string labelColumnName = BornAgainTrainer.DefaultColumnNames.Label,
        string imageColumnName = BornAgainTrainer.DefaultColumnNames.Image,
        int generations = BornAgainTrainingOptions.Defaults.Generations,
        int epochsPerGeneration = BornAgainTrainingOptions.Defaults.EpochsPerGeneration,
        NetworkArchitecture? architecture = null,
        string scoreColumnName = BornAgainTrainer.DefaultColumnNames.Score,
        string predictedLabelColumnName = BornAgainTrainer.DefaultColumnNames.PredictedLabel,
        IDataView? validationData = null)
    {
        return Train(new BornAgainTrainer.Options
        {
            LabelColumnName = labelColumnName,
            ImageColumnName = imageColumnName,
            Generations = generations,
            EpochsPerGeneration = epochsPerGeneration,
            Architecture = architecture ?? BornAgainTrainingOptions.Defaults.Architecture,
            ScoreColumnName = scoreColumnName,
            PredictedLabelColumnName = predictedLabelColumnName,
            ValidationSet = validationData,
        });
    }

    /// <summary>Creates a <see cref="BornAgainTrainer"/> with every setting in <paramref name="options"/>.</summary>
    /// <param name="options">The trainer's settings; checked here, so a bad option fails before any data is read.</param>
    public BornAgainTrainer Train(BornAgainTrainer.Options options) => new(_environment, options);
}
