namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

/// <summary>
/// Runs the tests of category <see cref="KernelPaths.Category"/> again in a child test run for each of
/// <see cref="KernelPaths.Settings"/>, so every machine also meets kernels other than its default ones.
/// </summary>
[TestClass]
public sealed class KernelPathTests
{
    [TestMethod]
    [DynamicData(nameof(Settings))]
    public void NumericsTests_PassUnder(string setting)
    {
        var (name, value) = (setting.Split('=')[0], setting.Split('=')[1]);
        var run = DotnetProcess.Run(new[] { "test", typeof(KernelPathTests).Assembly.Location, "--filter", $"TestCategory={KernelPaths.Category}" },
            TimeSpan.FromMinutes(10), $"the child test run under {setting}", new Dictionary<string, string> { [name] = value });

        var summary = run.Output.Split('\n').LastOrDefault(line => line.Contains("Total:")) ?? "(no summary)";
        Assert.AreEqual(0, run.ExitCode, $"under {setting}: {summary}\n{Tail(run.Output)}\n{run.Error}");
        StringAssert.Contains(summary, "Failed:     0", $"under {setting}");
        Console.WriteLine($"{setting}: {summary.Trim()}");
    }

    public static IEnumerable<object[]> Settings => KernelPaths.Settings.Select(s => new object[] { s });

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(60));
}
