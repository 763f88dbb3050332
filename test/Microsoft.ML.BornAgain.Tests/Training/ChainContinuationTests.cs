using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Tests.MLNet;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Training;

/// <summary>
/// Continuing a trained chain (<c>Options.ContinueFrom</c> / <c>ContinueFromModelPath</c>) on real images: a teacher
/// continued by two generations is the chain trained at once, bit for bit (same seed, CPU), the saved model holds the
/// whole chain, and options or data that contradict the chain are refused naming both sides.
/// </summary>
[TestClass]
public sealed class ChainContinuationTests
{
    private const int Side = 16;

    [TestMethod]
    public void TeacherContinuedByTwo_IsTheChainTrainedAtOnce_BitForBit()
    {
        var (ml, data) = Data();
        using var atOnce = Fit(ml, data, Options(generations: 2));
        using var teacher = Fit(ml, data, Options(generations: 0));

        var continuing = Options(generations: 2);
        continuing.ContinueFrom = teacher;
        using var continued = Fit(ml, data, continuing);

        Assert.HasCount(3, continued.Generations);
        AssertSameNetworks(atOnce, continued, "continued");
        Assert.AreEqual(1, teacher.Generations.Count, "the ContinueFrom transformer is left as it was");
        Assert.IsTrue(teacher.Generations[0].Network.state_dict()["conv1.weight"].SameAs(
            continued.Generations[0].Network.state_dict()["conv1.weight"]), "generation 0 is the teacher, copied");
        CollectionAssert.AreEqual(new[] { 2 }, continued.ScoringGenerations.ToArray(), "the last generation scores by default");
        Assert.AreEqual(teacher.Generations[0].Epochs.Count, continued.Generations[0].Epochs.Count, "the teacher keeps its metrics");
    }

    [TestMethod]
    public void ChainOfTwoFromModelZip_ContinuedByOne_IsTheChainTrainedAtOnce_AndTheSavedModelHoldsAll()
    {
        var (ml, data) = Data();
        using var atOnce = Fit(ml, data, Options(generations: 2));
        using var firstTwo = Fit(ml, data, Options(generations: 1));
        using var temp = new TempFolder("continue-");
        string folder = temp.Path;
        string path = Path.Combine(folder, "model.zip");
        ml.Model.Save(firstTwo, data.Schema, path);

        var continuing = Options(generations: 1);
        continuing.ContinueFromModelPath = path;
        using var continued = Fit(ml, data, continuing);
        AssertSameNetworks(atOnce, continued, "continued from model.zip");

        string continuedPath = Path.Combine(folder, "continued.zip");
        ml.Model.Save(continued, data.Schema, continuedPath);
        using var loaded = (BornAgainTransformer)ml.Model.Load(continuedPath, out _);
        Assert.HasCount(3, loaded.Generations, "the saved model holds the whole chain");
        AssertSameNetworks(atOnce, loaded, "saved and loaded");
    }

    [TestMethod]
    public void OtherNetwork_OtherShape_OtherLabels_AreRefusedNamingBoth()
    {
        var (ml, data) = Data();
        using var teacher = Fit(ml, data, Options(generations: 0));

        var network = Options(generations: 1);
        network.ContinueFrom = teacher;
        network.Architecture = NetworkArchitecture.WideResNet(10, 1);
        var networkError = Assert.ThrowsExactly<ArgumentException>(() => Fit(ml, data, network));
        StringAssert.Contains(networkError.Message, "WRN-10-1");
        StringAssert.Contains(networkError.Message, "PreActResNet-8");

        var shape = Options(generations: 1);
        shape.ContinueFrom = teacher;
        shape.ImageChannels = 1;
        var shapeError = Assert.ThrowsExactly<ArgumentException>(() => Fit(ml, data, shape));
        StringAssert.Contains(shapeError.Message, "'ImageChannels' is 1");
        StringAssert.Contains(shapeError.Message, $"3x{Side}x{Side}");

        // Two classes instead of three: another label set.
        var twoClasses = ml.Data.LoadFromEnumerable(ImagePathRow.Load("train", 6).Where(r => r.Label != "frog"));
        var labels = Options(generations: 1);
        labels.ContinueFrom = teacher;
        var labelError = Assert.ThrowsExactly<ArgumentException>(() => Fit(ml, twoClasses, labels));
        StringAssert.Contains(labelError.Message, "2 classes");
        StringAssert.Contains(labelError.Message, "trained with 3");

        var both = Options(generations: 1);
        both.ContinueFrom = teacher;
        both.ContinueFromModelPath = "model.zip";
        Assert.ThrowsExactly<ArgumentException>(() => ml.BornAgain().Train(both));
    }

    [TestMethod]
    public void FrozenStemAndClassifier_StayTheTeachers_BitForBit_WhileTheRestTrains()
    {
        var (ml, data) = Data();
        var options = Options(generations: 1);
        options.FreezeTeacherStemAndClassifier = true;
        using var model = Fit(ml, data, options);

        var teacher = model.Generations[0].Network.state_dict();
        var student = model.Generations[1].Network.state_dict();
        foreach (string name in new[] { "conv1.weight", "fc.weight", "fc.bias" })
            Assert.IsTrue(teacher[name].SameAs(student[name]), $"{name} is the teacher's after the student trained");
        Assert.IsFalse(teacher["layer1.0.conv1.weight"].SameAs(student["layer1.0.conv1.weight"]), "the rest is the student's own");

        // Without the option the same student has its own first convolution.
        using var free = Fit(ml, data, Options(generations: 1));
        Assert.IsFalse(free.Generations[0].Network.state_dict()["conv1.weight"].SameAs(free.Generations[1].Network.state_dict()["conv1.weight"]));
    }

    [TestMethod]
    public void FrozenStemAndClassifier_OfAnotherWidth_IsRefusedNamingBothShapes()
    {
        var (ml, data) = Data();
        var options = Options(generations: 1);
        options.FreezeTeacherStemAndClassifier = true;
        options.GenerationArchitectures = [NetworkArchitecture.PreActResNet(8), NetworkArchitecture.DenseNetBC(10, 8)];

        var error = Assert.ThrowsExactly<ArgumentException>(() => Fit(ml, data, options));

        // The stems match (16 channels each); the classifiers read 64 and 18 features.
        StringAssert.Contains(error.Message, "'fc.weight' (PreActResNet-8, shape [3, 64])");
        StringAssert.Contains(error.Message, "'classifier.weight' (DenseNetBC-10-8, shape [3, 18])");
    }

    private static void AssertSameNetworks(BornAgainTransformer expected, BornAgainTransformer actual, string what)
    {
        Assert.HasCount(expected.Generations.Count, actual.Generations);
        for (int g = 0; g < expected.Generations.Count; g++)
        {
            var e = expected.Generations[g].Network.state_dict();
            var a = actual.Generations[g].Network.state_dict();
            var different = TensorComparison.DifferingEntries(e, a);
            Assert.IsEmpty(different, $"{what}: generation {g} differs in {string.Join(", ", different.Take(5))}");
        }
    }

    private static (MLContext Ml, IDataView Data) Data()
    {
        var ml = new MLContext(seed: 7);
        return (ml, ml.Data.LoadFromEnumerable(ImagePathRow.Load("train", 6)));
    }

    private static BornAgainTrainer.Options Options(int generations) => new()
    {
        Architecture = NetworkArchitecture.PreActResNet(8),
        Generations = generations,
        EpochsPerGeneration = 1,
        BatchSize = 8,
        LearningRate = 0.05,
        NumberOfThreads = 2,
        ImageHeight = Side,
        ImageWidth = Side,
    };

    private static BornAgainTransformer Fit(MLContext ml, IDataView data, BornAgainTrainer.Options options) =>
        ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.BornAgain().Train(options))
            .Fit(data).LastTransformer;
}
