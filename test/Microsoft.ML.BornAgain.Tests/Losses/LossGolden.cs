using System.Text.Json.Nodes;
using Microsoft.ML.BornAgain.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Losses;

/// <summary>
/// Reference values written by golden/make_golden.py (PyTorch, float64) and the float32 comparison the loss tests share.
/// </summary>
internal sealed class LossGolden
{
    /// <summary>The two input sets in the file: moderate logits, and logits up to ±100.</summary>
    public const string Ordinary = "ordinary";
    public const string Extreme = "extreme";

    // float32 carries ~7 significant digits and a loss is a few dozen operations, so 1e-5 absolute (plus 1e-6 relative
    // for the extreme set's losses of up to ~56) separates rounding from a wrong formula: the smallest deliberate
    // difference tested, "mean" vs "batchmean", is 0.15.
    public const double LossAbsoluteTolerance = 1e-5;
    public const double LossRelativeTolerance = 1e-6;
    public const double GradientAbsoluteTolerance = 1e-5;

    private static readonly Lazy<JsonNode> s_document = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Losses", "golden", "losses_golden.json");
        return JsonNode.Parse(File.ReadAllText(path))!;
    });

    private readonly JsonNode _set;

    public LossGolden(string setName)
    {
        _set = s_document.Value["sets"]![setName]!;
    }

    public static double LabelWeight => s_document.Value["label_weight"]!.GetValue<double>();

    public static double Temperature => s_document.Value["temperature"]!.GetValue<double>();

    public static double LabelSmoothing => s_document.Value["label_smoothing"]!.GetValue<double>();

    public Tensor StudentLogits(bool requiresGrad = true) => Matrix("student_logits").requires_grad_(requiresGrad);

    /// <summary>Teacher logits; with requiresGrad a test can prove no gradient reaches them.</summary>
    public Tensor TeacherLogits(bool requiresGrad = false) => Matrix("teacher_logits").requires_grad_(requiresGrad);

    public Tensor Labels() => tensor(_set["labels"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray(), ScalarType.Int64);

    public Tensor DkppSourcePositions()
    {
        var rows = Rows("dkpp_source_positions");
        var flat = rows.SelectMany(r => r).Select(v => (long)v).ToArray();
        return tensor(flat, [rows.Length, rows[0].Length], ScalarType.Int64);
    }

    public double[][] DkppPermutedTarget => Rows("dkpp_permuted_target");

    public double[] CwtmWeights => _set["cwtm_weights"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();

    public double Loss(string lossName) => _set["losses"]![lossName]!["loss"]!.GetValue<double>();

    public double[][] Gradient(string lossName) => Rows(_set["losses"]![lossName]!["gradient"]!);

    /// <summary>
    /// Runs <paramref name="compute"/> on this set's float32 inputs, backpropagates, and checks the loss and the
    /// gradient w.r.t. the student logits against the golden values; also checks that the teacher got no gradient.
    /// </summary>
    public void AssertMatches(string lossName, Func<Tensor, Tensor, Tensor, Tensor> compute)
    {
        using var scope = NewDisposeScope();
        var studentLogits = StudentLogits();
        var teacherLogits = TeacherLogits(requiresGrad: true);
        var loss = compute(studentLogits, Labels(), teacherLogits);
        loss.backward();

        Assert.AreEqual(0, loss.dim(), "The loss must be a scalar.");
        AssertClose(Loss(lossName), loss.item<float>(), LossAbsoluteTolerance + LossRelativeTolerance * Math.Abs(Loss(lossName)),
            $"{lossName} loss");
        AssertMatrixClose(Gradient(lossName), studentLogits.grad!, GradientAbsoluteTolerance, $"{lossName} gradient");
        Assert.IsNull(teacherLogits.grad, $"{lossName}: the teacher logits are constants and must receive no gradient.");
    }

    public static void AssertClose(double expected, double actual, double tolerance, string what)
    {
        Assert.IsTrue(Math.Abs(expected - actual) <= tolerance,
            $"{what}: expected {expected:R}, got {actual:R} (difference {Math.Abs(expected - actual):E2} > {tolerance:E0}).");
    }

    public static void AssertMatrixClose(double[][] expected, Tensor actual, double tolerance, string what)
    {
        CollectionAssert.AreEqual(new long[] { expected.Length, expected[0].Length }, actual.shape, $"{what}: shape");
        var values = actual.to_type(ScalarType.Float64).data<double>().ToArray();
        for (var row = 0; row < expected.Length; row++)
        {
            for (var column = 0; column < expected[row].Length; column++)
            {
                AssertClose(expected[row][column], values[row * expected[row].Length + column], tolerance,
                    $"{what}[{row}, {column}]");
            }
        }
    }

    private Tensor Matrix(string key)
    {
        var rows = Rows(key);
        var flat = rows.SelectMany(r => r).Select(v => (float)v).ToArray();
        return tensor(flat, [rows.Length, rows[0].Length], ScalarType.Float32);
    }

    private double[][] Rows(string key) => Rows(_set[key]!);

    private static double[][] Rows(JsonNode node) =>
        node.AsArray().Select(row => row!.AsArray().Select(v => v!.GetValue<double>()).ToArray()).ToArray();
}
