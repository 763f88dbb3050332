using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.Tests.MLNet;

/// <summary>The README's pipeline end to end: fit, score, save, load in a new context and in a new process.</summary>
[TestClass]
public sealed class BornAgainPipelineTests
{
    private static TrainedPipeline s_pipeline = null!;

    [ClassInitialize]
    public static void TrainOnce(TestContext _) => s_pipeline = new TrainedPipeline();

    [ClassCleanup]
    public static void Cleanup() => s_pipeline.Dispose();

    private static float[][] Scores(MLContext ml, ITransformer model, IDataView data) =>
        ml.Data.CreateEnumerable<ImagePrediction>(model.Transform(data), reuseRowObject: false).Select(p => p.Score).ToArray();

    [TestMethod]
    public void Fit_TrainsTeacherAndTwoGenerations_WithMetricsPerEpoch()
    {
        var transformer = s_pipeline.BornAgain;

        Assert.HasCount(3, transformer.Generations);
        Assert.IsTrue(transformer.Generations.All(g => g.Epochs.Count == 2 && g.Architecture.ToString() == "PreActResNet-8"));
        CollectionAssert.AreEqual(new[] { 2 }, transformer.ScoringGenerations.ToArray(), "the last generation scores by default");
    }

    [TestMethod]
    public void Transform_GivesProbabilitiesAndLabels_ThatEvaluateReads()
    {
        var ml = s_pipeline.Context;
        var scored = s_pipeline.Model.Transform(s_pipeline.Test);
        var predictions = ml.Data.CreateEnumerable<ImagePrediction>(scored, reuseRowObject: false).ToList();

        Assert.HasCount(60, predictions);
        foreach (var p in predictions)
        {
            Assert.HasCount(3, p.Score);
            Assert.AreEqual(1.0, p.Score.Sum(), 1e-4);
            Assert.AreEqual(TestImages.ThreeClasses[Array.IndexOf(p.Score, p.Score.Max())], p.PredictedLabel);
        }
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.IsTrue(metrics.MicroAccuracy is >= 0 and <= 1);
        Assert.IsTrue(double.IsFinite(metrics.LogLoss));
    }

    [TestMethod]
    public void Score_HasTheLabelValuesAsSlotNames()
    {
        var schema = s_pipeline.Model.GetOutputSchema(s_pipeline.Train.Schema);
        VBuffer<ReadOnlyMemory<char>> names = default;
        schema["Score"].GetSlotNames(ref names);

        CollectionAssert.AreEqual(TestImages.ThreeClasses, names.DenseValues().Select(n => n.ToString()).ToArray());
        Assert.AreEqual(TextDataViewType.Instance, schema["PredictedLabel"].Type, "MapKeyToValue turned the key back into text");
    }

    [TestMethod]
    public void PredictionEngine_AgreesWithTransform()
    {
        var ml = s_pipeline.Context;
        var rows = ImagePathRow.Load("test", 5);
        var engine = ml.Model.CreatePredictionEngine<ImagePathRow, ImagePrediction>(s_pipeline.Model);
        var batch = Scores(ml, s_pipeline.Model, ml.Data.LoadFromEnumerable(rows));

        for (int i = 0; i < rows.Count; i++)
        {
            var single = engine.Predict(rows[i]).Score;
            for (int c = 0; c < 3; c++)
                Assert.AreEqual(batch[i][c], single[c], 1e-5, $"row {i} class {c}");
        }
    }

    [TestMethod]
    public void SaveLoad_WithNewContext_GivesIdenticalScoresAndMetrics()
    {
        var fresh = new MLContext();
        var loaded = fresh.Model.Load(s_pipeline.ModelPath, out var inputSchema);

        var before = Scores(s_pipeline.Context, s_pipeline.Model, s_pipeline.Test);
        var after = Scores(fresh, loaded, s_pipeline.Test);
        for (int i = 0; i < before.Length; i++)
            CollectionAssert.AreEqual(before[i], after[i], $"row {i}");

        Assert.IsNotNull(inputSchema.GetColumnOrNull("ImagePath"));
        var metrics = fresh.MulticlassClassification.Evaluate(loaded.Transform(s_pipeline.Test));
        var original = s_pipeline.Context.MulticlassClassification.Evaluate(s_pipeline.Model.Transform(s_pipeline.Test));
        Assert.AreEqual(original.MicroAccuracy, metrics.MicroAccuracy);
        var reloaded = ((IEnumerable<ITransformer>)loaded).OfType<BornAgainTransformer>().Single();
        Assert.HasCount(3, reloaded.Generations);
        Assert.AreEqual(s_pipeline.BornAgain.Generations[1].Epochs[1], reloaded.Generations[1].Epochs[1], "metrics are saved");
        ((IDisposable)loaded).Dispose();
    }

    [TestMethod]
    public void SaveLoad_InANewProcess_GivesIdenticalScoresThroughPredictionEngine()
    {
        var rows = ImagePathRow.Load("test", 3);
        var expected = Scores(s_pipeline.Context, s_pipeline.Model, s_pipeline.Context.Data.LoadFromEnumerable(rows));

        var lines = RunScoringProcess(s_pipeline.ModelPath, rows.Select(r => r.ImagePath));

        using (var header = JsonDocument.Parse(lines[0]))
            Assert.IsFalse(header.RootElement.GetProperty("libraryLoadedBeforeLoad").GetBoolean(), "Model.Load must find the library by itself");
        Assert.HasCount(rows.Count + 1, lines);
        for (int i = 0; i < rows.Count; i++)
        {
            using var line = JsonDocument.Parse(lines[i + 1]);
            var engine = line.RootElement.GetProperty("engine").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            var transform = line.RootElement.GetProperty("transform").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            CollectionAssert.AreEqual(expected[i], transform, $"row {i}: Transform in the new process");
            for (int c = 0; c < 3; c++)
                Assert.AreEqual(expected[i][c], engine[c], 1e-5, $"row {i}: PredictionEngine in the new process");
            Assert.AreEqual(TestImages.ThreeClasses[Array.IndexOf(engine, engine.Max())], line.RootElement.GetProperty("label").GetString());
        }
    }

    [TestMethod]
    public void WithScoringGenerations_OneAndSeveral_ScoreAsDefinedAndSurviveSaveLoad()
    {
        var ml = s_pipeline.Context;
        var chain = (IEnumerable<ITransformer>)s_pipeline.Model;
        var original = s_pipeline.BornAgain;
        ITransformer Rebuild(BornAgainTransformer t) =>
            new TransformerChain<ITransformer>(chain.Select(x => x is BornAgainTransformer ? t : x).ToArray());

        using var teacherOnly = original.WithScoringGenerations(0);
        using var ensemble = original.WithScoringGenerations(0, 1, 2);
        var single = new[] { 0, 1, 2 }.Select(g => Scores(ml, Rebuild(original.WithScoringGenerations(g)), s_pipeline.Test)).ToArray();
        var bane = Scores(ml, Rebuild(ensemble), s_pipeline.Test);

        for (int i = 0; i < bane.Length; i++)
        {
            for (int c = 0; c < 3; c++)
                Assert.AreEqual((single[0][i][c] + single[1][i][c] + single[2][i][c]) / 3, bane[i][c], 1e-5);
        }

        string path = Path.Combine(s_pipeline.Directory, "bane.zip");
        ml.Model.Save(Rebuild(ensemble), s_pipeline.Train.Schema, path);
        var loaded = new MLContext().Model.Load(path, out _);
        var reloaded = ((IEnumerable<ITransformer>)loaded).OfType<BornAgainTransformer>().Single();
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, reloaded.ScoringGenerations.ToArray());
        var baneAfterLoad = Scores(ml, loaded, s_pipeline.Test);
        for (int i = 0; i < bane.Length; i++)
            CollectionAssert.AreEqual(bane[i], baneAfterLoad[i]);
        Assert.IsFalse(single[0][0].SequenceEqual(single[2][0]), "teacher and BAN-2 are different networks");
        ((IDisposable)loaded).Dispose();
    }

    [TestMethod]
    public void WithScoringGenerations_UnknownOrRepeatedIndex_Throws()
    {
        var transformer = s_pipeline.BornAgain;

        var unknown = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => transformer.WithScoringGenerations(3));
        StringAssert.Contains(unknown.Message, "Generation 3 does not exist");
        Assert.ThrowsExactly<ArgumentException>(() => transformer.WithScoringGenerations(1, 1));
        Assert.ThrowsExactly<ArgumentException>(() => transformer.WithScoringGenerations());
    }

    private static List<string> RunScoringProcess(string modelPath, IEnumerable<string> images)
    {
        var run = DotnetProcess.Run(new[] { TestImages.ChildProcessProgram, "score", modelPath }.Concat(images),
            TimeSpan.FromMinutes(2), "the scoring process");
        Assert.AreEqual(0, run.ExitCode, run.Error);
        return run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
