using System.Text.Json;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Training.Distributed;

namespace Microsoft.ML.BornAgain.Tests.Training;

/// <summary>
/// Data-parallel training with two MPI ranks on this machine (mpiexec over loopback): the averaged gradient is the
/// whole batch's, a training ends with one model on every rank and one saved model, and a rank that dies or disagrees
/// ends the run with an error instead of a hang.
/// </summary>
[TestClass]
public sealed class DataParallelTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [TestMethod]
    public void AveragedGradientEqualsTheWholeBatchGradient()
    {
        // 7 images: rank 0 holds 4 and rank 1 holds 3, so the ranks' gradients are weighted 4/7 and 3/7.
        var images = TestImages.Files("train", TestImages.ThreeClasses, 3).Take(7).Select(f => f.Path);
        var result = MpiExec.Run(2, new[] { "mpi-gradient" }.Concat(images), Timeout);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        var ranks = result.Lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.HasCount(2, ranks, string.Join("\n", result.Lines));
        CollectionAssert.AreEquivalent(new[] { 4, 3 }, ranks.Select(r => r.GetProperty("shard").GetInt32()).ToArray());
        foreach (var rank in ranks)
        {
            double difference = rank.GetProperty("maxDifference").GetDouble();
            double largest = rank.GetProperty("maxGradient").GetDouble();
            Assert.IsGreaterThan(1e-4, largest, "the gradient is not trivially zero");
            Assert.IsLessThan(1e-5 * largest, difference, $"rank {rank.GetProperty("rank")}: averaged gradient differs from the whole batch's");
            Assert.AreEqual(rank.GetProperty("wholeLoss").GetDouble(), rank.GetProperty("averagedLoss").GetDouble(), 1e-5);
            Assert.AreEqual(NetworkArchitecture.PreActResNet(8).CountParameters(3, 3), rank.GetProperty("parameters").GetInt64(),
                "every parameter of PreActResNet-8 (3 classes) is in the buffer");
        }
    }

    [TestMethod]
    public void TwoRanksEndWithOneModelAndRankZeroSavesIt()
    {
        using var temp = new TempFolder("bornagain-ddp-");
        string folder = temp.Path;
        var result = MpiExec.Run(2, new[] { "mpi-train", folder, "2" }.Concat(Images()), Timeout);

        Assert.AreEqual(0, result.ExitCode, result.Error + string.Join("\n", result.Lines.TakeLast(10)));
        var hashes = result.Lines.Where(l => l.StartsWith("model ", StringComparison.Ordinal)).Select(l => l.Split(' ')).ToList();
        CollectionAssert.AreEquivalent(new[] { "0", "1" }, hashes.Select(h => h[1]).ToArray());
        Assert.AreEqual(hashes[0][2], hashes[1][2], "both ranks must end with the same weights and statistics");
        // 24 images in global batches of 8: 3 steps per epoch on each rank, 2 generations x 2 epochs.
        Assert.HasCount(2 * 2 * 2 * 3, result.Lines.Where(l => l.StartsWith("batch ", StringComparison.Ordinal)));
        CollectionAssert.AreEquivalent(new[] { "checkpoint", "model.zip" },
            Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).ToArray(), "one model, saved by rank 0");

        using var model = new MLContext().Model.Load(Path.Combine(folder, "model.zip"), out _) as IDisposable;
        Assert.IsNotNull(model);

        // Trained again with the same checkpoint folder: both ranks resume the finished run and return the same model.
        var again = MpiExec.Run(2, new[] { "mpi-train", folder, "2" }.Concat(Images()), Timeout);
        Assert.AreEqual(0, again.ExitCode, again.Error);
        Assert.IsEmpty(again.Lines.Where(l => l.StartsWith("batch ", StringComparison.Ordinal)), "a finished run is not trained again");
        Assert.IsTrue(again.Lines.Where(l => l.StartsWith("model ", StringComparison.Ordinal)).All(l => l.EndsWith(hashes[0][2], StringComparison.Ordinal)));
    }

    [TestMethod]
    public void AKilledRankEndsTheRunWithAnErrorInsteadOfAHang()
    {
        using var temp = new TempFolder("bornagain-ddp-");
        string folder = temp.Path;
        int? victim = null;
        bool killed = false;
        var result = MpiExec.Run(2, new[] { "mpi-train", folder, "500" }.Concat(Images()), Timeout, line =>
        {
            if (line.StartsWith("rank 1 pid ", StringComparison.Ordinal))
                victim = int.Parse(line["rank 1 pid ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            if (!killed && victim is { } pid && line == "batch 0 2 1")
            {
                killed = true;
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
        });

        Assert.IsTrue(killed, "rank 1 was killed during its second epoch");
        Assert.AreNotEqual(0, result.ExitCode, "mpiexec reports the failed run");
        StringAssert.Contains(result.Lines.Concat(new[] { result.Error }).Aggregate((a, b) => a + "\n" + b), "BAD TERMINATION");
        Assert.IsFalse(File.Exists(Path.Combine(folder, "model.zip")), "no model from a failed run");
    }

    [TestMethod]
    public void RanksWithDifferentOptionsStopWithAClearError()
    {
        using var temp = new TempFolder("bornagain-ddp-");
        string folder = temp.Path;
        string child = TestImages.ChildProcessProgram;
        var images = Images().ToList();
        // MPMD: rank 0 trains 2 epochs per generation, rank 1 trains 3.
        var arguments = new[] { "-n", "1", "dotnet", child, "mpi-train", folder, "2" }.Concat(images)
            .Concat(new[] { ":", "-n", "1", "dotnet", child, "mpi-train", folder, "3" }).Concat(images);
        var result = MpiExec.RunCommand(arguments, Timeout);

        Assert.AreNotEqual(0, result.ExitCode);
        StringAssert.Contains(result.Error, "data-parallel ranks disagree on the training settings (options and seed (hash)");
        Assert.IsFalse(File.Exists(Path.Combine(folder, "model.zip")));
    }

    [TestMethod]
    public void MissingMpiLibraryIsNamedWithWhatToInstall()
    {
        // A process that looks started by a launcher (PMI_SIZE=2) but whose MPI library cannot be loaded.
        var result = DotnetProcess.Run(new[] { TestImages.ChildProcessProgram, "mpi-train", Path.GetTempPath(), "1" }.Concat(Images()),
            Timeout, "the training without MPI", new Dictionary<string, string>
            {
                [DataParallelGroup.SizeVariable] = "2",
                [DataParallelGroup.RankVariable] = "0",
                [MpichLibrary.LibraryVariable] = "libmpich-not-installed.so.12",
            });

        Assert.AreNotEqual(0, result.ExitCode);
        StringAssert.Contains(result.Error, "Data-parallel training needs an MPI library with MPICH's ABI");
        StringAssert.Contains(result.Error, "apt-get install mpich");
    }

    [TestMethod]
    public void GlobalBatchIsSplitOverTheRanksAndAnEpochHasAsManyStepsAsOneProcess()
    {
        // 11 images over 2 ranks (6 + 5), global batch 4: shares of 2 and 2, 3 steps (as one process: 4 + 4 + 3).
        var counts = new long[] { DataParallelBatches.ShardCount(11, 0, 2), DataParallelBatches.ShardCount(11, 1, 2) };
        CollectionAssert.AreEqual(new long[] { 6, 5 }, counts);
        var rank0 = new DataParallelBatches(0, counts, 4);
        var rank1 = new DataParallelBatches(1, counts, 4);
        Assert.AreEqual(3, rank0.BatchesPerEpoch);
        Assert.AreEqual(11, rank0.GlobalCount);
        CollectionAssert.AreEqual(new[] { (0, 2), (2, 2), (4, 2) }, Enumerable.Range(0, 3).Select(rank0.LocalRows).ToArray());
        CollectionAssert.AreEqual(new[] { (0, 2), (2, 2), (4, 1) }, Enumerable.Range(0, 3).Select(rank1.LocalRows).ToArray());
        CollectionAssert.AreEqual(new[] { 4, 4, 3 }, Enumerable.Range(0, 3).Select(rank0.GlobalLength).ToArray());
        Assert.AreNotEqual(rank0.EpochSeed(5, 0), rank1.EpochSeed(5, 0), "ranks shuffle and augment differently");
        Assert.AreNotEqual(rank0.EpochSeed(5, 0), rank0.EpochSeed(5, 1), "every epoch is shuffled anew");
        // Three ranks and a batch of 8: shares 3, 3, 2.
        var three = new DataParallelBatches(0, new long[] { 10, 10, 10 }, 8);
        CollectionAssert.AreEqual(new[] { 3, 3, 2 }, Enumerable.Range(0, 3).Select(three.ShareOf).ToArray());
    }

    /// <summary>24 real images of two classes (12 per rank).</summary>
    private static IEnumerable<string> Images() =>
        TestImages.Files("train", new[] { "cat", "dog" }, 12).Select(f => f.Path);
}
