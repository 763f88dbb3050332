using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.Tests.MLNet;

/// <summary>
/// The ways an ML.NET user reaches and steers the trainer: <c>mlContext.MulticlassClassification.Trainers.BornAgain</c>
/// next to <c>mlContext.BornAgain()</c>, <c>MLContext.CancelExecution()</c>, and the flat overload's validation set.
/// </summary>
[TestClass]
public sealed class EntryPointTests
{
    /// <summary>
    /// <c>MLContext.CancelExecution()</c>: internal in Microsoft.ML 5, made public to users by the Microsoft.ML.Experimental
    /// package's extension method (which this repository cannot restore), so the test calls the same method directly.
    /// </summary>
    private static void CancelExecution(MLContext ml) =>
        typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic, Type.EmptyTypes)!
            .Invoke(ml, null);

    private static (MLContext Ml, IDataView Data) Images(int perClass)
    {
        var ml = new MLContext(seed: 1);
        var rows = ImagePathRow.Load("train", perClass);
        var data = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        return (ml, data);
    }

    [TestMethod]
    public void MulticlassTrainersCatalog_TrainsTheSameModelAsTheBornAgainCatalog()
    {
        var (ml, data) = Images(10);
        var options = TrainedPipeline.SmallOptions(generations: 1, epochs: 1);
        using var fromBornAgain = ml.BornAgain().Train(options).Fit(data);
        var (ml2, data2) = Images(10);
        using var fromMulticlass = ml2.MulticlassClassification.Trainers.BornAgain(TrainedPipeline.SmallOptions(generations: 1, epochs: 1)).Fit(data2);

        // Same seeded context, same options: the same model, so the same scores.
        var expected = fromBornAgain.Transform(data).GetColumn<float[]>("Score").ToList();
        var actual = fromMulticlass.Transform(data2).GetColumn<float[]>("Score").ToList();
        Assert.HasCount(expected.Count, actual);
        for (int i = 0; i < expected.Count; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
    }

    [TestMethod]
    public void MulticlassTrainersCatalog_FlatOverload_PassesItsArguments()
    {
        var (ml, data) = Images(10);
        using var model = ml.MulticlassClassification.Trainers.BornAgain(
            generations: 0, epochsPerGeneration: 1, architecture: NetworkArchitecture.PreActResNet(8),
            scoreColumnName: "Probabilities", predictedLabelColumnName: "Class").Fit(data);
        Assert.HasCount(1, model.Generations);
        Assert.AreEqual("PreActResNet-8", model.Generations[0].Architecture.ToString());
        var schema = model.GetOutputSchema(data.Schema);
        Assert.IsNotNull(schema.GetColumnOrNull("Probabilities"));
        Assert.IsNotNull(schema.GetColumnOrNull("Class"));
    }

    [TestMethod]
    public void FlatOverload_ValidationData_IsEvaluatedAfterEveryEpoch()
    {
        var (ml, data) = Images(10);
        var validationRows = ImagePathRow.Load("test", 5);
        var validation = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Fit(ml.Data.LoadFromEnumerable(ImagePathRow.Load("train", 10))).Transform(ml.Data.LoadFromEnumerable(validationRows));

        using var model = ml.BornAgain().Train(generations: 0, epochsPerGeneration: 2,
            architecture: NetworkArchitecture.PreActResNet(8), validationData: validation).Fit(data);

        var epochs = model.Generations[0].Epochs;
        Assert.HasCount(2, epochs);
        Assert.IsTrue(epochs.All(e => e.ValidationAccuracy is >= 0 and <= 1 && e.ValidationLoss is > 0),
            "every epoch has validation metrics");
    }

    [TestMethod]
    public void FlatOverload_WithoutValidationData_HasNoValidationMetrics()
    {
        var (ml, data) = Images(10);
        using var model = ml.BornAgain().Train(generations: 0, epochsPerGeneration: 1,
            architecture: NetworkArchitecture.PreActResNet(8)).Fit(data);
        Assert.IsTrue(model.Generations[0].Epochs.All(e => e.ValidationAccuracy is null));
    }

    [TestMethod]
    public void CancelExecution_DuringTheStudent_HandsOverTheTeacher()
    {
        var (ml, data) = Images(10);
        var options = TrainedPipeline.SmallOptions(generations: 2, epochs: 1);
        options.BatchSize = 8; // four batches per epoch, so cancelling at the second stops mid-generation
        int batchesAfterCancel = 0;
        bool cancelled = false;
        options.BatchCompleted = p =>
        {
            if (cancelled)
                batchesAfterCancel++;
            if (p.Generation == 1 && p.Batch == 2)
            {
                CancelExecution(ml);
                cancelled = true;
            }
        };

        var error = Assert.ThrowsExactly<TrainingCanceledException>(() => ml.BornAgain().Train(options).Fit(data));

        using var partial = error.Transformer;
        Assert.HasCount(1, partial.Generations, "the teacher had finished; the student was stopped");
        Assert.AreEqual(0, batchesAfterCancel, "training stops before the next batch");
        StringAssert.Contains(error.Message, "MLContext.CancelExecution()");
        Assert.AreEqual(30, partial.Transform(data).GetColumn<float[]>("Score").Count());
    }

    [TestMethod]
    public void CancelExecution_BeforeFit_StopsBeforeTraining()
    {
        var (ml, data) = Images(10);
        var options = TrainedPipeline.SmallOptions(generations: 1, epochs: 1);
        int batches = 0;
        options.BatchCompleted = _ => batches++;
        CancelExecution(ml);

        Assert.ThrowsExactly<OperationCanceledException>(() => ml.BornAgain().Train(options).Fit(data));
        Assert.AreEqual(0, batches);
    }

    [TestMethod]
    public void CancelExecution_DuringTheTeacher_ThrowsOperationCanceled()
    {
        var (ml, data) = Images(10);
        var options = TrainedPipeline.SmallOptions(generations: 1, epochs: 2);
        options.BatchSize = 8;
        options.BatchCompleted = p => { if (p.Generation == 0 && p.Batch == 2) CancelExecution(ml); };

        var error = Assert.Throws<OperationCanceledException>(() => ml.BornAgain().Train(options).Fit(data));
        Assert.IsNotInstanceOfType<TrainingCanceledException>(error, "no generation had finished");
    }
}
