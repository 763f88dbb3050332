using Microsoft.ML.BornAgain;
using Microsoft.ML.BornAgain.Sample.Study;

namespace BornAgain.Sample.Tests;

/// <summary>
/// The study on real images (the shipped CIFAR-10 subset, cut to 40 training images so that every run takes seconds):
/// a rerun trains only the runs missing from the report folder and gives the same table, and a folder of other
/// settings is refused instead of being mixed in.
/// </summary>
[TestClass]
public sealed class StudyResumeTests
{
    private string _folder = "";

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("study-resume-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public void RerunTrainsOnlyTheMissingRunsAndGivesTheSameTable()
    {
        var settings = TinyStudy(epochs: 1);
        int runs = StudyMethod.For(settings.Generations).Count * settings.Seeds;

        Assert.AreEqual(runs, StudyRunner.Run(settings), "the first invocation trains every run");
        string table = File.ReadAllText(Path.Combine(_folder, StudyReport.Csv));
        var store = new StudyRunStore(_folder, settings.Fingerprint);
        var distillation = StudyMethod.For(settings.Generations).Single(m => m.Id == "distillation");
        var control = StudyMethod.For(settings.Generations).Single(m => m.Id == "control");
        string controlFile = store.PathOf(StudyDataset.Cifar10Subset, control, settings.Seed);
        string controlJson = File.ReadAllText(controlFile);
        File.Delete(store.PathOf(StudyDataset.Cifar10Subset, distillation, settings.Seed));

        Assert.AreEqual(1, StudyRunner.Run(settings), "the rerun trains only the deleted run");
        Assert.AreEqual(controlJson, File.ReadAllText(controlFile), "a finished run is read, not retrained");
        // Same seed, same thread count: the retrained run reproduces its numbers, so the table is unchanged.
        Assert.AreEqual(table, File.ReadAllText(Path.Combine(_folder, StudyReport.Csv)));
        Assert.AreEqual(0, StudyRunner.Run(settings), "nothing is left to train");
    }

    [TestMethod]
    public void FolderOfOtherSettingsIsRefusedNamingIt()
    {
        StudyRunner.Run(TinyStudy(epochs: 1) with { Seeds = 1 });

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => StudyRunner.Run(TinyStudy(epochs: 2) with { Seeds = 1 }));

        StringAssert.Contains(error.Message, "trained with other settings");
        StringAssert.Contains(error.Message, "E=1");
        StringAssert.Contains(error.Message, "E=2");
        StringAssert.Contains(error.Message, Path.Combine(_folder, "runs"));
    }

    [TestMethod]
    public void MissingFashionMnistNamesTheDebianPackageBeforeTraining()
    {
        var settings = TinyStudy(epochs: 1) with
        {
            Datasets = [StudyDataset.Cifar10Subset, StudyDataset.FashionMnist],
            Sources = new StudyDataSources(Path.Combine(_folder, "no-fashion-mnist"), null, null),
        };

        var error = Assert.ThrowsExactly<DirectoryNotFoundException>(() => StudyRunner.Run(settings));

        StringAssert.Contains(error.Message, "dataset-fashion-mnist");
        StringAssert.Contains(error.Message, Path.Combine(_folder, "no-fashion-mnist"));
        Assert.IsFalse(Directory.Exists(Path.Combine(_folder, "runs")), "nothing was trained");
    }

    [TestMethod]
    public void ShardsShareTheRunStoreAndTheReportWaitsForEveryRun()
    {
        var whole = TinyStudy(epochs: 1) with { Seeds = 1 };
        int runs = StudyMethod.For(whole.Generations).Count;

        int first = StudyRunner.Run(whole with { Shard = (0, 2) });
        Assert.AreEqual((runs + 1) / 2, first, "shard 0/2 trains runs 0, 2, 4, ...");
        Assert.IsFalse(File.Exists(Path.Combine(_folder, StudyReport.Csv)), "no report while shard 1's runs are missing");
        Assert.AreEqual(runs / 2, StudyRunner.Run(whole with { Shard = (1, 2) }), "shard 1/2 trains the rest, none twice");
        Assert.IsTrue(File.Exists(Path.Combine(_folder, StudyReport.Csv)), "the shard that finds every run writes the report");
        Assert.AreEqual(0, StudyRunner.Run(whole), "the whole study finds every run in the store");
    }

    private StudySettings TinyStudy(int epochs) => new(
        Datasets: [StudyDataset.Cifar10Subset],
        Sources: new StudyDataSources(StudyDataSources.DebianFashionMnistFolder, null, null),
        Network: NetworkArchitecture.PreActResNet(8),
        Generations: 1,
        Epochs: epochs,
        TrainingImages: 40,
        BatchSize: 16,
        LearningRate: 0.05,
        Schedule: LearningRateSchedule.Cosine,
        Seed: 7,
        Seeds: 2,
        Threads: 2,
        Device: "cpu",
        OutputPath: _folder,
        Preset: StudyPreset.Cpu);
}
