using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.BornAgain.ChildProcess;
using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Training;

namespace Microsoft.ML.BornAgain.Tests.Training;

/// <summary>
/// Checkpoints crafted or broken as a crash, a full disk or a hostile folder would leave them: damaged bytes,
/// truncation, another architecture or weights under the right name, an older format, two writers in one folder, and
/// a trainer killed while it writes. Every one is refused as "damaged" (memory bounded) or resumed correctly.
/// </summary>
[TestClass]
public sealed class HostileCheckpointTests
{
    private const long MemoryBudget = 64L << 20;
    private static string s_directory = null!;
    private static byte[] s_complete = null!;

    public TestContext TestContext { get; set; } = null!;

    private static IReadOnlyList<string> Images() =>
        TestImages.Files("train", TestImages.ThreeClasses, 16).Select(f => f.Path).ToList();

    /// <summary>One real run of the checkpoint test's training, kept as the checkpoint every test damages its own way.</summary>
    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        s_directory = Directory.CreateTempSubdirectory("bornagain-hostile-checkpoint-").FullName;
        using (CheckpointedTraining.Fit(s_directory, Images()))
        {
        }
        s_complete = File.ReadAllBytes(Path.Combine(s_directory, TrainingCheckpoint.FileName));
    }

    [ClassCleanup]
    public static void Cleanup() => Directory.Delete(s_directory, recursive: true);

    private static string DirectoryWith(byte[] checkpoint)
    {
        string directory = Directory.CreateTempSubdirectory("bornagain-hostile-checkpoint-").FullName;
        File.WriteAllBytes(Path.Combine(directory, TrainingCheckpoint.FileName), checkpoint);
        return directory;
    }

    private static byte[] Rewritten(Func<TrainingCheckpoint, TrainingCheckpoint> change)
    {
        string directory = DirectoryWith(s_complete);
        change(TrainingCheckpoint.TryRead(directory)!).Write(directory);
        var bytes = File.ReadAllBytes(Path.Combine(directory, TrainingCheckpoint.FileName));
        Directory.Delete(directory, recursive: true);
        return bytes;
    }

    /// <summary>Resumes from <paramref name="checkpoint"/>; expects "damaged" and bounded memory.</summary>
    private InvalidDataException ResumeFails(byte[] checkpoint)
    {
        string directory = DirectoryWith(checkpoint);
        GC.Collect();
        long before = ProcessMemory.ResidentBytes();
        var watch = Stopwatch.StartNew();
        var error = Assert.ThrowsExactly<InvalidDataException>(() => CheckpointedTraining.Fit(directory, Images()).Dispose());
        long grown = ProcessMemory.ResidentBytes() - before;
        TestContext.WriteLine($"refused in {watch.Elapsed.TotalMilliseconds:F0} ms, resident memory +{grown / 1e6:F1} MB: {error.Message}");
        StringAssert.Contains(error.Message, $"The checkpoint '{Path.Combine(directory, TrainingCheckpoint.FileName)}' is damaged");
        StringAssert.Contains(error.Message, "delete it to start training again");
        Assert.IsLessThan(MemoryBudget, grown, $"resident memory grew by {grown / 1e6:F1} MB");
        Directory.Delete(directory, recursive: true);
        return error;
    }

    [TestMethod]
    public void FlippedBitsAnywhere_AreDetectedByTheChecksum()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 5; trial++)
        {
            var damaged = (byte[])s_complete.Clone();
            damaged[8 + random.Next(damaged.Length - 8)] ^= (byte)(1 << random.Next(8));
            StringAssert.Contains(ResumeFails(damaged).Message, "SHA-256");
        }
    }

    [TestMethod]
    public void TruncatedCheckpoint_IsDamaged_NotAnIOException()
    {
        foreach (int length in new[] { 0, 5, s_complete.Length / 2, s_complete.Length - 1 })
            ResumeFails(s_complete[..length]);
    }

    [TestMethod]
    public void AnotherArchitectureUnderTheRightFingerprint_IsRefused()
    {
        var other = Rewritten(c => new TrainingCheckpoint(c.Fingerprint,
            [c.FinishedGenerations[0], c.FinishedGenerations[1] with { Architecture = NetworkArchitecture.PreActResNet(14) }], null));

        var error = ResumeFails(other);

        StringAssert.Contains(error.Message, "its generation 1 is a PreActResNet-14; the options train a PreActResNet-8");
    }

    [TestMethod]
    public void WeightsThatDoNotMatchTheArchitecture_AreRefusedBeforeTorchSharpReadsThem()
    {
        var other = Rewritten(c =>
        {
            using var wrong = NetworkArchitecture.WideResNet(10, 2).CreateNetwork(3, 3);
            return new TrainingCheckpoint(c.Fingerprint, [c.FinishedGenerations[0] with { Weights = GenerationState.SaveWeights(wrong) }], null);
        });

        var error = ResumeFails(other);

        StringAssert.Contains(error.Message, "The weights of generation 0 in the checkpoint do not match its architecture");
    }

    [TestMethod]
    public void CheckpointOfTheOlderFormat_IsRefusedClearly()
    {
        var old = (byte[])s_complete.Clone();
        "BACKPT01"u8.CopyTo(old);

        StringAssert.Contains(ResumeFails(old).Message, "written by an older version");
    }

    [TestMethod]
    public void TwoWritersInOneFolder_NeverShareATemporaryFile()
    {
        string directory = DirectoryWith(s_complete);
        var checkpoint = TrainingCheckpoint.TryRead(directory)!;

        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ => checkpoint.Write(directory));

        Assert.IsEmpty(Directory.GetFiles(directory, "*.tmp"));
        Assert.AreEqual(checkpoint.Fingerprint, TrainingCheckpoint.TryRead(directory)!.Fingerprint);
        Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void Fingerprint_IsCultureInvariant_AndCoversDeviceAndThreads()
    {
        using var data = TestImages.Dataset("train", TestImages.ThreeClasses, 2);
        var options = new BornAgainTrainingOptions { LabelWeight = 0.25, Device = "cpu", NumberOfThreads = 2 };
        string Fingerprint(CultureInfo culture)
        {
            var saved = CultureInfo.CurrentCulture;
            CultureInfo.CurrentCulture = culture;
            try
            {
                return TrainingCheckpoint.ComputeFingerprint(options, data, seed: 1);
            }
            finally
            {
                CultureInfo.CurrentCulture = saved;
            }
        }

        string invariant = Fingerprint(CultureInfo.InvariantCulture);
        Assert.AreEqual(invariant, Fingerprint(new CultureInfo("de-DE")), "a decimal comma changed the fingerprint");
        Assert.AreEqual(invariant, Fingerprint(new CultureInfo("ar-SA")));
        options.NumberOfThreads = 1;
        Assert.AreNotEqual(invariant, Fingerprint(CultureInfo.InvariantCulture), "the thread count is not in the fingerprint");
        options.NumberOfThreads = 2;
        options.Device = "cuda:0";
        Assert.AreNotEqual(invariant, Fingerprint(CultureInfo.InvariantCulture), "the device is not in the fingerprint");
    }

    /// <summary>
    /// The trainer is killed (SIGKILL) while a checkpoint write is under way, at a random write and a
    /// random moment within it (at most 100 microseconds after the temporary file appears), several times; each time the checkpoint left behind is readable, and the run
    /// finally resumes and ends with the uninterrupted model.
    /// </summary>
    [TestMethod]
    public void KilledDuringCheckpointWrites_ResumesEveryTime()
    {
        string directory = Directory.CreateTempSubdirectory("bornagain-kill-during-write-").FullName;
        var images = Images();
        var random = new Random(11);
        var seen = new HashSet<string>();
        int killedMidWrite = 0, kills = 0;
        var watch = Stopwatch.StartNew();
        // Until two kills landed inside a write (a temporary file left behind), at most six runs.
        for (int run = 0; run < 6 && killedMidWrite < 2; run++)
        {
            int killAtWrite = 1 + random.Next(2);
            if (!RunChildAndKillDuringWrite(directory, images, seen, killAtWrite, random))
                break; // the child finished its training before the chosen write
            kills++;
            // What the kill left: at most a stale temporary file, never a damaged checkpoint.
            var left = Directory.GetFiles(directory, "*.tmp").Where(seen.Add).ToList();
            killedMidWrite += left.Count;
            if (File.Exists(Path.Combine(directory, TrainingCheckpoint.FileName)))
                Assert.IsNotNull(TrainingCheckpoint.TryRead(directory));
        }
        TestContext.WriteLine($"{kills} kills, {killedMidWrite} inside a write (a temporary file left behind), {watch.Elapsed.TotalSeconds:F1} s");
        Assert.IsGreaterThanOrEqualTo(1, killedMidWrite, $"none of the {kills} kills landed inside a checkpoint write");

        using var resumed = CheckpointedTraining.Fit(directory, images);
        using var uninterrupted = CheckpointedTraining.Fit(null, images);
        for (int g = 0; g < uninterrupted.Generations.Count; g++)
        {
            var expected = uninterrupted.Generations[g].Network.state_dict();
            foreach (var (name, tensor) in resumed.Generations[g].Network.state_dict())
                Assert.IsTrue(tensor.allclose(expected[name], 0, 0), $"generation {g} tensor {name} differs after the kills");
        }
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>
    /// Starts the child trainer and watches the directory for new temporary files (a write in progress); at the
    /// <paramref name="killAtWrite"/>-th, waits a random 0 to 100 microseconds and kills it. False when the child
    /// finished first.
    /// </summary>
    private static bool RunChildAndKillDuringWrite(string directory, IReadOnlyList<string> images, HashSet<string> seen, int killAtWrite, Random random)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { TestImages.ChildProcessProgram, "train", directory }.Concat(images))
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        var writes = new HashSet<string>();
        while (!process.HasExited)
        {
            foreach (string temporary in Directory.EnumerateFiles(directory, "*.tmp"))
            {
                if (seen.Contains(temporary) || !writes.Add(temporary) || writes.Count < killAtWrite)
                    continue;
                var pause = Stopwatch.StartNew();
                double microseconds = random.Next(100);
                while (pause.Elapsed.TotalMicroseconds < microseconds)
                {
                }
                process.Kill(); // SIGKILL at once: walking the process tree first would let the write finish
                process.WaitForExit();
                return true;
            }
            Assert.IsLessThan(TimeSpan.FromMinutes(3), deadline.Elapsed, "the child trainer is too slow");
        }
        return false;
    }
}
