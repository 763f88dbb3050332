using System.Diagnostics;
using Microsoft.ML.BornAgain.ChildProcess;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.Tests.Training;

/// <summary>Interrupted training loses nothing: kill, cancel, resume, and end with the uninterrupted model.</summary>
[TestClass]
public sealed class CheckpointTests
{
    private static IReadOnlyList<string> Images() =>
        TestImages.Files("train", TestImages.ThreeClasses, 16).Select(f => f.Path).ToList();

    private static string NewDirectory() => Directory.CreateTempSubdirectory("bornagain-checkpoint-").FullName;

    private static void AssertSameWeights(BornAgainTransformer expected, BornAgainTransformer actual)
    {
        Assert.HasCount(expected.Generations.Count, actual.Generations);
        for (int g = 0; g < expected.Generations.Count; g++)
        {
            var a = expected.Generations[g].Network.state_dict();
            var b = actual.Generations[g].Network.state_dict();
            foreach (var (name, tensor) in a)
                Assert.IsTrue(tensor.SameAs(b[name]), $"generation {g} tensor {name} differs");
            CollectionAssert.AreEqual(expected.Generations[g].Epochs.Select(e => e.TrainingLoss).ToList(),
                actual.Generations[g].Epochs.Select(e => e.TrainingLoss).ToList(), $"generation {g} metrics");
        }
    }

    [TestMethod]
    public void KilledMidGeneration_ResumesAndEndsWithTheUninterruptedModel()
    {
        string directory = NewDirectory();
        var images = Images();
        var killedAt = RunChildUntil(directory, images, "epoch 1 2");

        Assert.IsTrue(File.Exists(Path.Combine(directory, TrainingCheckpoint.FileName)), $"no checkpoint after '{killedAt}'");
        var resumedEpochs = new List<(int, int)>();
        using var resumed = CheckpointedTraining.Fit(directory, images, e => resumedEpochs.Add((e.Generation, e.Epoch)));
        using var uninterrupted = CheckpointedTraining.Fit(null, images);

        Assert.IsFalse(resumedEpochs.Contains((0, 1)), "the finished teacher was not trained again");
        AssertSameWeights(uninterrupted, resumed);
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void FinishedRun_ReturnsTheModelWithoutTrainingAgain()
    {
        string directory = NewDirectory();
        var images = Images();
        using var first = CheckpointedTraining.Fit(directory, images);
        int epochs = 0;
        using var second = CheckpointedTraining.Fit(directory, images, _ => epochs++);

        Assert.AreEqual(0, epochs);
        AssertSameWeights(first, second);
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void CheckpointOfOtherData_IsRefusedNotResumed()
    {
        string directory = NewDirectory();
        var images = Images();
        using (CheckpointedTraining.Fit(directory, images))
        {
        }

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => CheckpointedTraining.Fit(directory, images.Skip(3).ToList()));
        StringAssert.Contains(error.Message, "was written for other options or other training data");
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void Cancelled_HandsOverTheFinishedGenerationsAsAUsableTransformer()
    {
        var ml = new MLContext(seed: 1);
        using var cancellation = new CancellationTokenSource();
        var options = Microsoft.ML.BornAgain.Tests.MLNet.TrainedPipeline.SmallOptions(generations: 2, epochs: 1);
        options.CancellationToken = cancellation.Token;
        options.BatchSize = 8; // four batches per epoch, so cancelling at the second stops mid-generation
        options.BatchCompleted = p => { if (p.Generation == 1 && p.Batch == 2) cancellation.Cancel(); };
        var rows = Microsoft.ML.BornAgain.Tests.MLNet.ImagePathRow.Load("train", 10);
        var data = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));

        var error = Assert.ThrowsExactly<TrainingCanceledException>(() => ml.BornAgain().Train(options).Fit(data));

        using var partial = error.Transformer;
        Assert.HasCount(1, partial.Generations, "the teacher had finished");
        CollectionAssert.AreEqual(new[] { 0 }, partial.ScoringGenerations.ToArray());
        Assert.AreEqual(30, partial.Transform(data).GetColumn<float[]>("Score").Count());
    }

    /// <summary>Runs the child trainer and kills it (whole process tree) once it prints <paramref name="line"/>.</summary>
    private static string RunChildUntil(string directory, IReadOnlyList<string> images, string line)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { TestImages.ChildProcessProgram, "train", directory }.Concat(images))
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var seen = new List<string>();
        var deadline = Stopwatch.StartNew();
        string? current;
        while ((current = process.StandardOutput.ReadLine()) is not null)
        {
            seen.Add(current);
            if (current == line)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return current;
            }
            Assert.IsLessThan(TimeSpan.FromMinutes(5), deadline.Elapsed, "the child trainer is too slow");
        }
        process.WaitForExit();
        Assert.Fail($"the child exited ({process.ExitCode}) before '{line}': {string.Join(" | ", seen)} {errors.Result}");
        return "";
    }
}
