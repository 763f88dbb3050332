using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// A network's first convolution and its classifier, by state_dict name per family: what the paper's
/// cross-architecture students share with their teacher and keep frozen (its Table 5).
/// </summary>
internal static class StemAndClassifier
{
    /// <summary>The parameter names of the first convolution's weight and the classifier's weight and bias.</summary>
    public static IReadOnlyList<string> ParameterNames(NetworkFamily family) => family switch
    {
        NetworkFamily.DenseNetBC => ["features.conv0.weight", "classifier.weight", "classifier.bias"],
        _ => ["conv1.weight", "fc.weight", "fc.bias"],
    };

    /// <summary>
    /// Copies <paramref name="teacher"/>'s first convolution and classifier into <paramref name="student"/> and stops
    /// their gradients, so that the optimizer (which skips parameters without a gradient) never changes them.
    /// </summary>
    /// <exception cref="ArgumentException">A shared tensor has another shape in the student than in the teacher.</exception>
    public static void CopyAndFreeze(nn.Module<Tensor, Tensor> teacher, NetworkArchitecture teacherArchitecture,
        nn.Module<Tensor, Tensor> student, NetworkArchitecture studentArchitecture)
    {
        var teacherNames = ParameterNames(teacherArchitecture.Family);
        var studentNames = ParameterNames(studentArchitecture.Family);
        var teacherParameters = teacher.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var studentParameters = student.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        for (int i = 0; i < studentNames.Count; i++)
        {
            var from = teacherParameters[teacherNames[i]];
            var to = studentParameters[studentNames[i]];
            if (!from.shape.SequenceEqual(to.shape))
            {
                throw new ArgumentException(
                    $"Option 'FreezeTeacherStemAndClassifier' shares the teacher's '{teacherNames[i]}' ({teacherArchitecture}, shape " +
                    $"[{string.Join(", ", from.shape)}]) with the student's '{studentNames[i]}' ({studentArchitecture}, shape " +
                    $"[{string.Join(", ", to.shape)}]); the shapes must be equal. Choose a student whose first convolution and " +
                    "classifier have the teacher's widths.", "FreezeTeacherStemAndClassifier");
            }
        }

        using (no_grad())
        {
            for (int i = 0; i < studentNames.Count; i++)
            {
                var to = studentParameters[studentNames[i]];
                to.copy_(teacherParameters[teacherNames[i]]);
                to.requires_grad = false;
            }
        }
    }
}
