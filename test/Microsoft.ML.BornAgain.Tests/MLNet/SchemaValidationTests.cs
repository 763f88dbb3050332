using Microsoft.ML.BornAgain.Tests.Infrastructure;

namespace Microsoft.ML.BornAgain.Tests.MLNet;

/// <summary>Schema errors worded as ML.NET's, from GetOutputSchema and from Fit, before any training.</summary>
[TestClass]
public sealed class SchemaValidationTests
{
    private static readonly MLContext s_ml = new(seed: 1);

    private static IDataView Rows(int perClass = 2) => s_ml.Data.LoadFromEnumerable(ImagePathRow.Load("train", perClass));

    private static IEstimator<ITransformer> LoadImages() =>
        s_ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath");

    private static BornAgainTrainer Trainer(string label = "Label", string image = "Image") =>
        s_ml.BornAgain().Train(labelColumnName: label, imageColumnName: image, generations: 0, epochsPerGeneration: 1);

    private static void AssertBothThrow(IEstimator<ITransformer> upstream, BornAgainTrainer trainer, IDataView data, string message)
    {
        var prepared = upstream.Fit(data).Transform(data);
        var shape = upstream.GetOutputSchema(Schemas.ToShape(data.Schema));
        var fromSchema = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(shape));
        StringAssert.Contains(fromSchema.Message, message);
        var fromFit = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(prepared));
        StringAssert.Contains(fromFit.Message, message);
        Assert.AreEqual("inputSchema", fromFit.ParamName);
    }

    [TestMethod]
    public void NonKeyLabel_SaysAddMapValueToKey()
    {
        AssertBothThrow(LoadImages(), Trainer(), Rows(),
            "Schema mismatch for label column 'Label': expected key type, got String — add MapValueToKey");
    }

    [TestMethod]
    public void MissingLabelColumn_IsNamed()
    {
        AssertBothThrow(s_ml.Transforms.Conversion.MapValueToKey("Label").Append(LoadImages()), Trainer(label: "Class"), Rows(),
            "Could not find label column 'Class'");
    }

    [TestMethod]
    public void MissingImageColumn_IsNamed()
    {
        AssertBothThrow(s_ml.Transforms.Conversion.MapValueToKey("Label").Append(LoadImages()), Trainer(image: "Picture"), Rows(),
            "Could not find image column 'Picture'");
    }

    [TestMethod]
    public void ImageColumnOfText_ListsTheAcceptedTypes()
    {
        AssertBothThrow(s_ml.Transforms.Conversion.MapValueToKey("Label"), Trainer(image: "ImagePath"), Rows(),
            "Schema mismatch for image column 'ImagePath': expected Image (MLImage");
    }

    [TestMethod]
    public void SingleClass_IsRejectedByFit()
    {
        var oneClass = s_ml.Data.LoadFromEnumerable(ImagePathRow.Load("train", 3).Where(r => r.Label == "frog").ToList());
        var pipeline = s_ml.Transforms.Conversion.MapValueToKey("Label").Append(LoadImages()).Append(Trainer());

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pipeline.Fit(oneClass));
        StringAssert.Contains(error.Message, "Label column 'Label' has 1 class");
    }

    [TestMethod]
    public void EmptyData_IsRejectedByFit()
    {
        var keys = s_ml.Transforms.Conversion.MapValueToKey("Label").Append(LoadImages()).Fit(Rows());
        var empty = keys.Transform(s_ml.Data.LoadFromEnumerable(new List<ImagePathRow>()));

        var error = Assert.ThrowsExactly<ArgumentException>(() => Trainer().Fit(empty));
        StringAssert.Contains(error.Message, "training data is empty");
    }

    [TestMethod]
    public void BadOptions_AreRejectedWhenTheTrainerIsBuilt()
    {
        var generations = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            s_ml.BornAgain().Train(generations: -1));
        Assert.AreEqual("Generations", generations.ParamName);
        StringAssert.Contains(generations.Message, "must be in [0, 100]");

        var options = TrainedPipeline.SmallOptions(1, 1);
        options.LabelWeight = 1.5;
        Assert.AreEqual("LabelWeight", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s_ml.BornAgain().Train(options)).ParamName);
    }
}
