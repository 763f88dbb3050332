using System.Globalization;
using System.Text;

namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>
/// Whether the teachers converged, from their test-accuracy curves, and what the planned runs cost, from the
/// teachers' measured epochs: the report's evidence that the comparison is between converged networks, and the
/// calibration of a long study from a short one.
/// </summary>
internal static class StudyConvergence
{
    /// <summary>A teacher counts as converged when its test accuracy varies by less than this over the window.</summary>
    public const double ThresholdPoints = 0.5;

    /// <summary>The window: the last 20% of the epochs (at least one step, so at least two points).</summary>
    public const double WindowFraction = 0.2;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// The spread (max − min, in percentage points) of the test accuracy over the last 20% of the epochs, the epoch
    /// before the window included: a curve still rising or still jumping has a spread of 0.5 points or more.
    /// </summary>
    public static double WindowSpreadPoints(IReadOnlyList<double> accuracyByEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(accuracyByEpoch.Count, 2, nameof(accuracyByEpoch));
        int steps = Math.Max(1, (int)Math.Ceiling(WindowFraction * accuracyByEpoch.Count));
        var window = accuracyByEpoch.Skip(accuracyByEpoch.Count - 1 - Math.Min(steps, accuracyByEpoch.Count - 1)).ToList();
        return 100 * (window.Max() - window.Min());
    }

    /// <summary>The teachers' curves (one column per seed) and the convergence verdict of each.</summary>
    public static void AppendMarkdown(StringBuilder text, IReadOnlyList<StudyRunResult> teachers)
    {
        var curves = teachers.Where(t => t.TestAccuracyByEpoch is { Count: >= 2 }).OrderBy(t => t.Seed).ToList();
        if (curves.Count == 0)
            return;
        int epochs = curves.Max(c => c.TestAccuracyByEpoch!.Count);
        text.AppendLine($"Teacher test accuracy (%) after every epoch; converged = it varies by less than {ThresholdPoints.ToString(Invariant)} " +
                $"points over the last {WindowFraction:P0} of the epochs (the epoch before them included). The curve is only reported: " +
                "it neither stops training nor selects an epoch.")
            .AppendLine()
            .AppendLine("| Epoch | " + string.Join(" | ", curves.Select(c => $"seed {c.Seed}")) + " |")
            .AppendLine("|---:|" + string.Concat(curves.Select(_ => "---:|")));
        for (int e = 0; e < epochs; e++)
        {
            text.AppendLine($"| {e + 1} | " + string.Join(" | ", curves.Select(c =>
                e < c.TestAccuracyByEpoch!.Count ? (100 * c.TestAccuracyByEpoch[e]).ToString("F2", Invariant) : "")) + " |");
        }
        text.AppendLine("| spread over the window (points) | " + string.Join(" | ", curves.Select(c =>
                WindowSpreadPoints(c.TestAccuracyByEpoch!).ToString("F2", Invariant))) + " |")
            .AppendLine("| converged | " + string.Join(" | ", curves.Select(c =>
                WindowSpreadPoints(c.TestAccuracyByEpoch!) < ThresholdPoints ? "yes" : "**no**")) + " |")
            .AppendLine();
    }

    /// <summary>
    /// Network-epochs a method trains per seed: the teacher E; a run that continues the teacher only its students;
    /// the others everything they train.
    /// </summary>
    public static int NetworkEpochs(StudyMethod method, int epochs) =>
        method == StudyMethod.Teacher ? epochs
        : method.StartsFromTeacher ? method.Students * epochs
        : (method.Students + 1) * method.EpochMultiplier * epochs;

    /// <summary>
    /// The planned study's cost: its network-epochs, and the wall time they take at the seconds per teacher epoch
    /// measured in this folder (teacher epochs include the test-curve scoring, so this errs on the long side).
    /// </summary>
    public static void AppendEstimate(StringBuilder text, StudySettings settings, IReadOnlyList<StudyRunResult> runs)
    {
        var methods = StudyMethod.Select(settings.Generations, settings.Methods).Prepend(StudyMethod.Teacher).ToList();
        int perSeed = methods.Sum(m => NetworkEpochs(m, settings.Epochs));
        text.AppendLine("## Cost").AppendLine()
            .AppendLine($"Per data set and seed the selected methods ({string.Join(", ", methods.Select(m => m.Id))}) train {perSeed} network-epochs " +
                $"of {settings.Network} (the teacher once, every run that starts from it only its students).")
            .AppendLine();
        double totalSeconds = 0;
        foreach (var dataset in settings.Datasets)
        {
            var teachers = runs.Where(r => r.Dataset == dataset && r.Method == StudyMethod.Teacher.Id).ToList();
            if (teachers.Count == 0)
                continue;
            double secondsPerEpoch = teachers.Average(t => t.TrainingSeconds) / settings.Epochs;
            double seconds = secondsPerEpoch * perSeed * settings.Seeds;
            totalSeconds += seconds;
            text.AppendLine($"- {dataset}: {secondsPerEpoch.ToString("F1", Invariant)} s per teacher epoch (mean of {teachers.Count} teacher runs) x " +
                $"{perSeed} x {settings.Seeds} seeds = {TimeSpan.FromSeconds(seconds):h\\:mm} estimated.");
        }
        text.AppendLine($"- Total estimated for {settings.Seeds} seeds: {TimeSpan.FromSeconds(totalSeconds):h\\:mm} (hours:minutes).")
            .AppendLine();
    }
}
