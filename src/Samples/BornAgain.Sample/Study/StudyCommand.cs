using System.CommandLine;
using Spectre.Console;

namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>
/// The sample's <c>study</c> command: the same methods trained with several seeds and everything else equal, so that
/// "born again" can be told apart from seed noise, from label smoothing and from simply training longer.
/// </summary>
internal static class StudyCommand
{
    public static System.CommandLine.Command Create()
    {
        var preset = new Option<StudyPreset>("--preset")
        {
            Description = "Cpu: about an hour on 2 cores (PreActResNet-8, k = 2, 3 epochs, 5,000 training images of Fashion-MNIST " +
                "and of the shipped CIFAR-10 subset). Converged: the pre-registered comparison of docs/study/converged-plan.md " +
                "(15 epochs, 5 seeds, methods ban and control, the teacher's test curve). Paper: the paper's CIFAR-100 recipe for a GPU (DenseNetBC-112-33 as this library builds it, 6.99M parameters where " +
                "the paper's Table 1 says 6.3M, see docs/design.md; k = 3, " +
                "200 epochs, step schedule, batch 128; needs --cifar100-folder). Other options override the preset.",
            DefaultValueFactory = _ => StudyPreset.Cpu,
        };
        var datasets = new Option<StudyDataset[]>("--dataset")
        {
            Description = "Data sets, one table each: FashionMnist, Cifar10Subset, Cifar10, Cifar100. Default: the preset's.",
            AllowMultipleArgumentsPerToken = true,
        };
        var fashionFolder = new Option<string>("--fashion-mnist-folder")
        {
            Description = "Fashion-MNIST idx files (Debian: apt-get install dataset-fashion-mnist).",
            DefaultValueFactory = _ => StudyDataSources.DebianFashionMnistFolder,
        };
        var cifar10Folder = new Option<string?>("--cifar10-folder") { Description = "CIFAR-10 binary version (data_batch_*.bin, test_batch.bin)." };
        var cifar100Folder = new Option<string?>("--cifar100-folder") { Description = "CIFAR-100 binary version (train.bin, test.bin)." };
        var network = new Option<NetworkArchitecture?>("--network")
        {
            Description = "The network of every run: PreActResNet-8, WRN-16-2, DenseNetBC-112-33, ...",
            CustomParser = r =>
            {
                try
                {
                    return NetworkArchitecture.Parse(r.Tokens.Single().Value);
                }
                catch (FormatException e)
                {
                    r.AddError($"Option '--network': {e.Message}");
                    return null;
                }
            },
        };
        var generations = NullableInt("--generations", "k: students after the teacher (BAN-1..BAN-k).", 1, 20);
        var epochs = NullableInt("--epochs", "E: epochs per generation; the control trains (k + 1) x E.", 1, 10_000);
        var trainingImages = NullableInt("--training-images", "Class-balanced training images per data set; 0 = all.", 0, 10_000_000);
        var batchSize = NullableInt("--batch-size", "Images per training batch.", 2, 65_536);
        var learningRate = new Option<double?>("--learning-rate") { Description = "Initial SGD learning rate." };
        var schedule = new Option<LearningRateSchedule?>("--schedule") { Description = "Cosine, Step (x0.2 at 30/60/80% of the epochs) or Constant." };
        var seed = new Option<int>("--seed") { Description = "Seed of the first seed run (then + 1000 per run).", DefaultValueFactory = _ => 1 };
        var seeds = NullableInt("--seeds", "N: seeds per method (at least 2 for a confidence interval).", 1, 100);
        var threads = NullableInt("--threads", "TorchSharp threads.", 1, 1024);
        var device = new Option<string?>("--device") { Description = "TorchSharp device: cpu, cuda, cuda:1. Default: the preset's." };
        var methods = new Option<string[]>("--methods")
        {
            Description = "Methods to run (default: the preset's; Cpu and Paper: all): teacher, ban, label-smoothing, control, " +
                "ban-plus-labels, distillation, cwtm, dkpp; and, only when named, ban-bf16-teacher (BAN-1 with the teacher in " +
                "bfloat16). The seed's teacher is always trained, once, and every method that starts from it continues it.",
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--output")
        {
            Description = "Report folder. Finished runs are kept in its runs/ folder; a rerun skips them.",
            DefaultValueFactory = _ => Path.Combine("reports", "study"),
        };

        var shard = new Option<(int Index, int Count)?>("--shard")
        {
            Description = "i/n: train only every n-th run starting at run i (0-based), for n independent jobs (a Slurm array) " +
                "sharing the --output folder; the report is written by the job that finds every run finished.",
            CustomParser = r =>
            {
                var parts = r.Tokens.Single().Value.Split('/');
                if (parts.Length == 2 && int.TryParse(parts[0], out int index) && int.TryParse(parts[1], out int count) &&
                    count >= 1 && index >= 0 && index < count)
                {
                    return (index, count);
                }

                r.AddError($"Option '--shard' must be i/n with 0 <= i < n, such as 0/4; got '{r.Tokens.Single().Value}'.");
                return null;
            },
        };

        var command = new System.CommandLine.Command("study",
            "Reproduction study: teacher, teacher + label smoothing, a compute-matched control, BAN-1..k, the paper's loss " +
            "ablations and BANE, each with several seeds; tables of mean ± SD and paired 95% confidence intervals, and charts.")
        {
            preset, datasets, fashionFolder, cifar10Folder, cifar100Folder, network, generations, epochs, trainingImages, batchSize,
            learningRate, schedule, seed, seeds, threads, device, methods, output, shard,
        };
        command.SetAction(result =>
        {
            var p = result.GetValue(preset);
            bool paper = p == StudyPreset.Paper;
            bool converged = p == StudyPreset.Converged;
            var chosen = result.GetValue(datasets);
            var chosenMethods = result.GetValue(methods);
            int images = result.GetValue(trainingImages) ?? (paper ? 0 : 5000);
            var settings = new StudySettings(
                Datasets: chosen is { Length: > 0 } ? chosen.Distinct().ToList()
                    : paper ? [StudyDataset.Cifar100] : [StudyDataset.FashionMnist, StudyDataset.Cifar10Subset],
                Sources: new StudyDataSources(result.GetValue(fashionFolder)!, result.GetValue(cifar10Folder), result.GetValue(cifar100Folder)),
                Network: result.GetValue(network) ?? (paper ? NetworkArchitecture.DenseNetBC(112, 33) : NetworkArchitecture.PreActResNet(8)),
                Generations: result.GetValue(generations) ?? (paper ? 3 : 2),
                Epochs: result.GetValue(epochs) ?? (paper ? 200 : converged ? StudySettings.ConvergedEpochs : 3),
                TrainingImages: images == 0 ? null : images,
                BatchSize: result.GetValue(batchSize) ?? (paper ? 128 : 64),
                LearningRate: result.GetValue(learningRate) ?? 0.1,
                Schedule: result.GetValue(schedule) ?? (paper ? LearningRateSchedule.Step : LearningRateSchedule.Cosine),
                Seed: result.GetValue(seed),
                Seeds: result.GetValue(seeds) ?? (converged ? 5 : 3),
                Threads: result.GetValue(threads) ?? 2,
                Device: result.GetValue(device) ?? (paper ? "cuda" : "cpu"),
                OutputPath: Path.GetFullPath(result.GetValue(output)!),
                Preset: p,
                Methods: chosenMethods is { Length: > 0 } ? chosenMethods.Distinct().ToList() : converged ? ["ban", "control"] : null,
                TeacherCurve: converged,
                Shard: result.GetValue(shard));
            try
            {
                StudyRunner.Run(settings);
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
            {
                // Missing data, a report folder of other settings, a device that is not there: the user's to fix.
                AnsiConsole.MarkupLine($"[red]Error:[/] {Markup.Escape(e.Message)}");
                return 1;
            }
        });
        return command;
    }

    private static Option<int?> NullableInt(string name, string description, int min, int max)
    {
        var option = new Option<int?>(name) { Description = description };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } value && (value < min || value > max))
                r.AddError($"Option '{name}' must be in [{min}, {max}]; got {value}.");
        });
        return option;
    }
}
