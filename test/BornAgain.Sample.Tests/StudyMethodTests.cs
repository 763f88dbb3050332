using Microsoft.ML.BornAgain.Sample.Study;

namespace BornAgain.Sample.Tests;

/// <summary>Which runs <c>--methods</c> selects: every preset's comparison by default, opt-in runs only when named.</summary>
[TestClass]
public sealed class StudyMethodTests
{
    [TestMethod]
    public void Default_IsThePresetsComparison_WithoutOptInRuns()
    {
        var methods = StudyMethod.Select(2, null);

        CollectionAssert.AreEqual(StudyMethod.For(2).Select(m => m.Id).ToList(), methods.Select(m => m.Id).ToList());
        Assert.IsFalse(methods.Any(m => m.TeacherInBFloat16));
    }

    [TestMethod]
    public void BFloat16TeacherRun_WhenNamed_IsOneBanStudentOfTheSharedTeacher()
    {
        var method = StudyMethod.Select(2, ["ban", "ban-bf16-teacher"]).Last();

        Assert.AreEqual("ban-bf16-teacher", method.Id);
        Assert.IsTrue(method.TeacherInBFloat16);
        Assert.IsTrue(method.StartsFromTeacher, "it continues the seed's stored teacher, as the chain's BAN-1 does");
        Assert.AreEqual(1, method.Students);
        CollectionAssert.AreEqual(new[] { StudyRows.BFloat16Teacher, StudyRows.AblationTeacher }, method.Rows().Select(r => r.Row).ToList());
    }

    [TestMethod]
    public void UnknownMethod_IsRefusedListingTheKnownOnes()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => StudyMethod.Select(2, ["ban-fp8"]));

        StringAssert.Contains(error.Message, "'ban-fp8'");
        StringAssert.Contains(error.Message, "ban-bf16-teacher");
    }
}
