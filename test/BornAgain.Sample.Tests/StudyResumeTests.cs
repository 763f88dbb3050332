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
        int runs = (StudyMethod.For(settings.Generations).Count + 1) * settings.Seeds; // + each seed's teacher

        Assert.AreEqual(new StudyRunCounts(runs, settings.Seeds), StudyRunner.Run(settings), "the first invocation trains every run, one teacher per seed");
        string table = File.ReadAllText(Path.Combine(_folder, StudyReport.Csv));
        var store = new StudyRunStore(_folder, settings.Fingerprint);
        var distillation = StudyMethod.For(settings.Generations).Single(m => m.Id == "distillation");
        var control = StudyMethod.For(settings.Generations).Single(m => m.Id == "control");
        string controlFile = store.PathOf(StudyDataset.Cifar10Subset, control, settings.Seed);
        string controlJson = File.ReadAllText(controlFile);
        File.Delete(store.PathOf(StudyDataset.Cifar10Subset, distillation, settings.Seed));

        Assert.AreEqual(new StudyRunCounts(1, 0), StudyRunner.Run(settings), "the rerun trains only the deleted run, from the stored teacher");
        Assert.AreEqual(controlJson, File.ReadAllText(controlFile), "a finished run is read, not retrained");
        // Same seed, same thread count: the retrained run reproduces its numbers, so the table is unchanged.
        Assert.AreEqual(table, File.ReadAllText(Path.Combine(_folder, StudyReport.Csv)));
        Assert.AreEqual(new StudyRunCounts(0, 0), StudyRunner.Run(settings), "nothing is left to train");
    }

    [TestMethod]
    public void TwoMethodsFromOneTeacher_TrainTheTeacherOnce_AndScoreItExactly()
    {
        var settings = TinyStudy(epochs: 1) with { Seeds = 1, Methods = ["ban", "cwtm"], TeacherCurve = true };

        var counts = StudyRunner.Run(settings);

        Assert.AreEqual(new StudyRunCounts(3, 1), counts, "the teacher, then the chain and the Cwtm student from it");
        var store = new StudyRunStore(_folder, settings.Fingerprint);
        Assert.IsTrue(File.Exists(store.ModelPathOf(StudyDataset.Cifar10Subset, settings.Seed)), "the teacher's model is kept for later runs");
        var teacher = store.TryLoad(StudyDataset.Cifar10Subset, StudyMethod.Teacher, settings.Seed)!;
        Assert.HasCount(settings.Epochs, teacher.TestAccuracyByEpoch!, "the teacher's test curve, one point per epoch");
        foreach (string id in new[] { "ban", "cwtm" })
        {
            var run = store.TryLoad(StudyDataset.Cifar10Subset, StudyMethod.For(1).Single(m => m.Id == id), settings.Seed)!;
            Assert.AreEqual(teacher.TestErrors[StudyRows.Teacher], run.TestErrors[StudyRows.AblationTeacher],
                $"the {id} run's generation 0 is the stored teacher, scored exactly as it");
        }
        Assert.IsFalse(Directory.Exists(Path.Combine(_folder, "runs", "Cifar10Subset", "in-progress", "ban-seed7")), "a finished run's checkpoint is removed");
        string table = File.ReadAllText(Path.Combine(_folder, StudyReport.Csv));
        StringAssert.Contains(table, "BAN-1 with Cwtm");
        Assert.IsFalse(table.Contains("Dkpp", StringComparison.Ordinal), "a method not run has no row");
    }

    [TestMethod]
    public void UnknownMethodIsRefusedListingTheMethods()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => StudyRunner.Run(TinyStudy(epochs: 1) with { Methods = ["bann"] }));

        StringAssert.Contains(error.Message, "'bann'");
        StringAssert.Contains(error.Message, "teacher, ban, label-smoothing, control");
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
        // Two seeds, each a teacher and the chain that continues it: a shard takes whole seed groups.
        var whole = TinyStudy(epochs: 1) with { Seeds = 2, Methods = ["ban"] };

        var first = StudyRunner.Run(whole with { Shard = (0, 2) });
        Assert.AreEqual(new StudyRunCounts(2, 1), first, "shard 0/2 trains the first seed's teacher and its chain");
        Assert.IsFalse(File.Exists(Path.Combine(_folder, StudyReport.Csv)), "no report while shard 1's runs are missing");
        Assert.AreEqual(new StudyRunCounts(2, 1), StudyRunner.Run(whole with { Shard = (1, 2) }), "shard 1/2 trains the other seed, none twice");
        Assert.IsTrue(File.Exists(Path.Combine(_folder, StudyReport.Csv)), "the shard that finds every run writes the report");
        Assert.AreEqual(new StudyRunCounts(0, 0), StudyRunner.Run(whole), "the whole study finds every run in the store");
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
