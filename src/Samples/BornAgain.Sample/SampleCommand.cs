using System.CommandLine;
using System.CommandLine.Parsing;

namespace Microsoft.ML.BornAgain.Sample;

/// <summary>The command line (System.CommandLine 2.0): options, their defaults and checks, and the action.</summary>
/// <remarks>
/// The defaults finish in under ten minutes on a 2-core CPU with the 5,000 shipped CIFAR-10 training images
/// (measured timings are in the README). Scale up with --epochs, --network, --generations and --data.
/// </remarks>
internal static class SampleCommand
{
    /// <summary>The folder of shipped images, relative to the repository root.</summary>
    public const string ShippedDataFolder = "src/Samples/Data/cifar-10-jpg-mini";

    public static RootCommand Create()
    {
        var data = new Option<string?>("--data")
        {
            Description = $"Dataset folder. Default: the CIFAR-10 subset shipped in {ShippedDataFolder}.",
        };
        var kind = new Option<DatasetKind>("--kind")
        {
            Description = "Layout of --data: ImageFolder (root/train/<class>/*.jpg, root/test/...), Cifar10 " +
                "(data_batch_*.bin, test_batch.bin), Cifar100 or Cifar100Coarse (train.bin, test.bin), Mnist (idx files).",
            DefaultValueFactory = _ => DatasetKind.ImageFolder,
        };
        var networks = new Option<NetworkArchitecture[]>("--network")
        {
            Description = "Network(s), one table row each: PreActResNet-20, PreActResNet-20-2, WRN-16-4, DenseNetBC-100-12, ...",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [NetworkArchitecture.PreActResNet(8)],
            CustomParser = ParseNetworks,
        };
        var generations = IntOption("--generations", "Born-again students after the teacher (BAN-1..BAN-k).", 2, 1, 20);
        var epochs = IntOption("--epochs", "Epochs per generation.", 3, 1, 10_000);
        var loss = new Option<BornAgainLoss>("--loss")
        {
            Description = "Student loss: Ban (the paper's), BanPlusLabels, HintonDistillation, ConfidenceWeightedByTeacherMax (CWTM), DarkKnowledgePermuted (DKPP).",
            DefaultValueFactory = _ => BornAgainLoss.Ban,
        };
        var batchSize = IntOption("--batch-size", "Images per training batch.", 64, 2, 65_536);
        var learningRate = new Option<double>("--learning-rate")
        {
            Description = "Initial SGD learning rate.",
            DefaultValueFactory = _ => 0.1,
        };
        learningRate.Validators.Add(r => CheckRange(r, r.GetValueOrDefault<double>(), 1e-6, 10));
        var schedule = new Option<LearningRateSchedule>("--schedule")
        {
            Description = "Learning rate schedule of each generation: Cosine, Step (x0.2 at 30/60/80% of the epochs) or Constant.",
            DefaultValueFactory = _ => LearningRateSchedule.Cosine,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the first run; the same seed (and --threads) prints the same table.",
            DefaultValueFactory = _ => 1,
        };
        var seeds = IntOption("--seeds", "Repeat everything with this many seeds (seed + 1000 i) and report mean ± sample standard deviation.", 1, 1, 100);
        var threads = IntOption("--threads", "TorchSharp threads. Fixed so that results do not depend on the core count.", 2, 1, 1024);
        var output = new Option<string>("--output")
        {
            Description = "Report folder (table, per-epoch metrics, chart, model.zip).",
            DefaultValueFactory = _ => Path.Combine("reports", "sample"),
        };
        var predictions = IntOption("--predictions", "Test images scored by the reloaded model at the end.", 8, 0, 1000);

        var root = new RootCommand(
            "Born-Again Networks with ML.NET: trains a teacher and born-again generations, prints the paper-style table " +
            "of test errors, writes a report folder and scores test images with the saved model.")
        {
            data, kind, networks, generations, epochs, loss, batchSize, learningRate, schedule, seed, seeds, threads, output, predictions,
        };
        root.Subcommands.Add(Study.StudyCommand.Create());
        root.SetAction(result =>
        {
            var settings = new SampleSettings(
                DataPath: result.GetValue(data) ?? ShippedData.Locate(ShippedDataFolder),
                Kind: result.GetValue(kind),
                Networks: result.GetValue(networks)!,
                Generations: result.GetValue(generations),
                Epochs: result.GetValue(epochs),
                Loss: result.GetValue(loss),
                BatchSize: result.GetValue(batchSize),
                LearningRate: result.GetValue(learningRate),
                Schedule: result.GetValue(schedule),
                Seed: result.GetValue(seed),
                Seeds: result.GetValue(seeds),
                Threads: result.GetValue(threads),
                OutputPath: Path.GetFullPath(result.GetValue(output)!),
                PredictionCount: result.GetValue(predictions));
            return SampleRun.Execute(settings);
        });
        return root;
    }

    private static Option<int> IntOption(string name, string description, int defaultValue, int min, int max)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r => CheckRange(r, r.GetValueOrDefault<int>(), min, max));
        return option;
    }

    private static void CheckRange(OptionResult result, double value, double min, double max)
    {
        if (value < min || value > max)
            result.AddError($"Option '{result.Option.Name}' must be in [{min}, {max}]; got {value}.");
    }

    private static NetworkArchitecture[] ParseNetworks(ArgumentResult result)
    {
        var parsed = new List<NetworkArchitecture>();
        foreach (var token in result.Tokens)
        {
            try
            {
                parsed.Add(NetworkArchitecture.Parse(token.Value));
            }
            catch (FormatException e)
            {
                result.AddError($"Option '--network': {e.Message}");
            }
        }
        return parsed.ToArray();
    }
}
