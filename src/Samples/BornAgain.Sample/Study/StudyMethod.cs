
namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>
/// One training run of the study (per data set and seed). Every run starts from the same seed, so every run's
/// teacher is the same network as the Born-Again chain's teacher: the ablations' students learn from that teacher.
/// </summary>
/// <param name="Id">File-name part and CSV key.</param>
/// <param name="Loss">The students' loss (unused when the run trains no student).</param>
/// <param name="Students">Students after the teacher: k for the chain, 1 for an ablation, 0 for a lone network.</param>
/// <param name="EpochMultiplier">The teacher's epochs in units of E (k + 1 for the compute-matched control).</param>
/// <param name="LabelSmoothing">Label smoothing of the teacher's cross-entropy.</param>
/// <param name="TeacherInBFloat16">Whether the students' teacher runs on its bfloat16 copy (<c>Options.TeacherInBFloat16</c>).</param>
internal sealed record StudyMethod(string Id, BornAgainLoss Loss, int Students, int EpochMultiplier, double LabelSmoothing,
    bool TeacherInBFloat16 = false)
{
    /// <summary>
    /// The label-trained teacher of a seed, trained once and saved as a model zip: every method that starts from it
    /// continues that model (<c>Options.ContinueFromModelPath</c>) instead of training it again.
    /// </summary>
    public static StudyMethod Teacher { get; } = new("teacher", BornAgainLoss.Ban, 0, 1, 0);

    /// <summary>Whether the run's students learn from the seed's shared teacher (the chain and the loss ablations).</summary>
    public bool StartsFromTeacher => Students > 0 && LabelSmoothing == 0 && EpochMultiplier == 1;

    /// <summary>The methods named by <paramref name="ids"/> (null or empty: all), in the study's order.</summary>
    /// <exception cref="ArgumentException">An id is not a method of the study.</exception>
    public static IReadOnlyList<StudyMethod> Select(int k, IReadOnlyCollection<string>? ids)
    {
        var all = For(k);
        if (ids is null || ids.Count == 0)
            return all;
        var known = all.Concat(OptIn).ToList();
        var unknown = ids.Where(id => id != Teacher.Id && known.All(m => m.Id != id)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException(
                $"--methods names {string.Join(", ", unknown.Select(u => $"'{u}'"))}; the study's methods are " +
                $"{Teacher.Id}, {string.Join(", ", known.Select(m => m.Id))}.");
        }

        return known.Where(m => ids.Contains(m.Id)).ToList();
    }

    /// <summary>
    /// Runs that only <c>--methods</c> selects, outside every preset's comparison: a BAN student whose teacher runs its
    /// forward passes in bfloat16, to pair with the chain's float32 BAN-1 of the same seed and teacher.
    /// </summary>
    public static IReadOnlyList<StudyMethod> OptIn { get; } =
    [
        new("ban-bf16-teacher", BornAgainLoss.Ban, 1, 1, 0, TeacherInBFloat16: true),
    ];

    /// <summary>The runs of a study with <paramref name="k"/> generations, in the order they train.</summary>
    public static IReadOnlyList<StudyMethod> For(int k) =>
    [
        new("ban", BornAgainLoss.Ban, k, 1, 0),
        new("label-smoothing", BornAgainLoss.Ban, 0, 1, StudySettings.LabelSmoothing),
        new("control", BornAgainLoss.Ban, 0, k + 1, 0),
        new("ban-plus-labels", BornAgainLoss.BanPlusLabels, 1, 1, 0),
        new("distillation", BornAgainLoss.HintonDistillation, 1, 1, 0),
        new("cwtm", BornAgainLoss.ConfidenceWeightedByTeacherMax, 1, 1, 0),
        new("dkpp", BornAgainLoss.DarkKnowledgePermuted, 1, 1, 0),
    ];

    /// <summary>The table rows this run measures: (row, generations whose probabilities are averaged).</summary>
    public IReadOnlyList<(string Row, int[] Generations)> Rows()
    {
        return Id switch
        {
            "teacher" => [(StudyRows.Teacher, [0])],
            // Generation 0 of a continued chain is the stored teacher, copied: it must score exactly as the teacher.
            "ban" => ScoreColumn.For(Students).Select(c => (c.Name == StudyRows.Teacher ? StudyRows.AblationTeacher : c.Name, c.Generations)).ToList(),
            "label-smoothing" => [(StudyRows.LabelSmoothing, [0])],
            "control" => [(StudyRows.Control(EpochMultiplier), [0])],
            "ban-bf16-teacher" => [(StudyRows.BFloat16Teacher, [1]), (StudyRows.AblationTeacher, [0])],
            // The ablation's teacher is measured too: it must equal the chain's teacher (same seed).
            _ => [(StudyRows.Ablation(Loss), [1]), (StudyRows.AblationTeacher, [0])],
        };
    }
}

/// <summary>The row names of the study's table, in one place so that the table, the CSV and the chart agree.</summary>
internal static class StudyRows
{
    public const string Teacher = "Teacher";
    public const string LabelSmoothing = "Teacher + label smoothing 0.1";
    public const string AblationTeacher = "Teacher (as continued by a run)";
    public const string BFloat16Teacher = "BAN-1, teacher in bfloat16";

    public static string Control(int multiplier) => $"Control: one network, {multiplier}x epochs";

    public static string Ban(int generation) => $"BAN-{generation}";

    public static string Ablation(BornAgainLoss loss) => loss switch
    {
        BornAgainLoss.BanPlusLabels => "BAN-1 with BanPlusLabels (BAN+L)",
        BornAgainLoss.HintonDistillation => $"BAN-1 with Distillation (Hinton, T = {StudySettings.DistillationTemperature:0})",
        BornAgainLoss.ConfidenceWeightedByTeacherMax => "BAN-1 with Cwtm",
        BornAgainLoss.DarkKnowledgePermuted => "BAN-1 with Dkpp",
        _ => $"BAN-1 with {loss}",
    };

    /// <summary>The table's rows in reading order for <paramref name="k"/> generations (without the ablation teacher check).</summary>
    public static IReadOnlyList<string> Ordered(int k)
    {
        var rows = new List<string> { Teacher, LabelSmoothing, Control(k + 1) };
        rows.AddRange(Enumerable.Range(1, k).Select(Ban));
        rows.AddRange(Enumerable.Range(2, Math.Max(0, k - 1)).Select(j => $"Ens*{j}"));
        rows.AddRange(new[] { BornAgainLoss.BanPlusLabels, BornAgainLoss.HintonDistillation, BornAgainLoss.ConfidenceWeightedByTeacherMax, BornAgainLoss.DarkKnowledgePermuted }.Select(Ablation));
        rows.Add(BFloat16Teacher);
        return rows;
    }

    /// <summary>Training compute of a row in epochs of one network (an Ens*j also costs j networks at test time).</summary>
    public static int TrainingEpochs(string row, int k, int epochs)
    {
        if (row == Teacher || row == LabelSmoothing)
            return epochs;
        if (row == Control(k + 1))
            return (k + 1) * epochs;
        if (row.StartsWith("BAN-", StringComparison.Ordinal) && int.TryParse(row.AsSpan(4), out int g))
            return (g + 1) * epochs;
        if (row.StartsWith("Ens*", StringComparison.Ordinal) && int.TryParse(row.AsSpan(4), out int j))
            return (j + 1) * epochs;
        return 2 * epochs; // an ablation: teacher + one student
    }
}
