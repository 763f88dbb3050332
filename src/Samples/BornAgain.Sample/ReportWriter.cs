using System.Globalization;
using System.Text;

namespace Microsoft.ML.BornAgain.Sample;

/// <summary>
/// Writes the report folder: <c>table.md</c> (the table with what was run, on what, and how long it took),
/// <c>table.csv</c>, <c>epochs.csv</c> (every epoch of every generation, network and seed) and
/// <c>validation-accuracy.png</c>. The model zip is saved there by <see cref="SampleRun"/>.
/// </summary>
internal static class ReportWriter
{
    public const string TableMarkdown = "table.md";
    public const string TableCsv = "table.csv";
    public const string EpochsCsv = "epochs.csv";
    public const string Chart = "validation-accuracy.png";

    public static void Write(string folder, ResultTable table, IReadOnlyList<NetworkRunResult> results, string context)
    {
        Directory.CreateDirectory(folder);
        var markdown = new StringBuilder()
            .AppendLine("# Born-Again Networks: test error (%)")
            .AppendLine()
            .Append(table.ToMarkdown())
            .AppendLine()
            .AppendLine(string.Join(Environment.NewLine, table.Columns.Where(c => c.Generations.Length > 1)
                .Select(c => $"- {c.Name} averages the class probabilities of {c.Members}.")))
            .AppendLine()
            .AppendLine(context)
            .AppendLine()
            .AppendLine($"![Validation accuracy per epoch]({Chart})");
        File.WriteAllText(Path.Combine(folder, TableMarkdown), markdown.ToString());
        File.WriteAllText(Path.Combine(folder, TableCsv), table.ToCsv());
        File.WriteAllText(Path.Combine(folder, EpochsCsv), EpochCsv(results));
        AccuracyChart.Save(results, results.Select(r => r.Seed).Distinct().Count(), Path.Combine(folder, Chart));
    }

    private static string EpochCsv(IReadOnlyList<NetworkRunResult> results)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder("network,seed,generation,epoch,learning_rate,training_loss,training_accuracy,validation_loss,validation_accuracy,seconds\n");
        foreach (var run in results)
        {
            foreach (var e in run.Epochs)
            {
                text.AppendLine(string.Join(",",
                    run.Network.ToString(), run.Seed.ToString(c), e.Generation.ToString(c), e.Epoch.ToString(c),
                    e.LearningRate.ToString("G6", c), e.TrainingLoss.ToString("F6", c), e.TrainingAccuracy.ToString("F6", c),
                    e.ValidationLoss?.ToString("F6", c) ?? "", e.ValidationAccuracy?.ToString("F6", c) ?? "",
                    e.Duration.TotalSeconds.ToString("F2", c)));
            }
        }
        return text.ToString();
    }
}
