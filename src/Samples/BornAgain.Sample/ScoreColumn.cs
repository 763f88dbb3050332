namespace Microsoft.ML.BornAgain.Sample;

/// <summary>
/// One error column of the paper-style table and the generations that score it: Teacher = generation 0,
/// BAN-j = generation j alone, Ens*j = the mean of the class probabilities of BAN-1..BAN-j.
/// </summary>
/// <remarks>
/// Which generations an "Ens*j" averages is not fully pinned down by the paper: Eq. 4 (BANE) averages generations
/// 1..k counting the teacher as the first, but the caption of Table 2 says that for DenseNet-80-120 "the teacher
/// was used as 3rd member because no BAN-3 was trained", so Ens*3 normally means BAN-1 + BAN-2 + BAN-3 without the
/// teacher. The sample follows the caption: Ens*j averages the j consecutive students BAN-1..BAN-j, so its columns
/// run Ens*2..Ens*k for k students, and an ensemble never includes the label-trained teacher.
/// </remarks>
/// <param name="Name">The column header.</param>
/// <param name="Generations">The generations whose probabilities are averaged (one: that generation alone).</param>
internal sealed record ScoreColumn(string Name, int[] Generations)
{
    /// <summary>Teacher, BAN-1..BAN-k, then Ens*2..Ens*k.</summary>
    public static IReadOnlyList<ScoreColumn> For(int students)
    {
        var columns = new List<ScoreColumn> { new("Teacher", [0]) };
        for (int j = 1; j <= students; j++)
            columns.Add(new ScoreColumn($"BAN-{j}", [j]));
        for (int j = 2; j <= students; j++)
            columns.Add(new ScoreColumn($"Ens*{j}", Enumerable.Range(1, j).ToArray()));
        return columns;
    }

    /// <summary>What the column averages, for the report: "BAN-1 + BAN-2".</summary>
    public string Members => string.Join(" + ", Generations.Select(g => g == 0 ? "Teacher" : $"BAN-{g}"));
}
