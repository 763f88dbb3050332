using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BornAgain.Service.Tests;

/// <summary>
/// The upload page in a real browser: the service runs as its own process (Kestrel on a loopback port, as the
/// README starts it), Debian's chromium runs headless under playwright-core (Browser/upload.mjs), uploads a real
/// image on / and reads the label the page shows; it must be the label POST /predict gives for the same image,
/// with one bar per class. Browser/ensure-browser.sh installs chromium (apt-get) and playwright-core (npm ci) when
/// missing, so `dotnet test BornAgain.ML.sln` needs no setup step of its own.
/// </summary>
[TestClass]
public sealed class BrowserTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task UploadPageShowsThePredictedLabelAndABarPerClass()
    {
        Run("bash", [Path.Combine(TestPaths.BrowserFolder, "ensure-browser.sh")], TimeSpan.FromMinutes(8));

        using var service = ServiceProcess.Start(TrainedModel.ModelPath);
        var image = TestPaths.TestImages("airplane", 1).Single();
        using var http = new HttpClient { BaseAddress = new Uri(service.Url) };
        var content = new ByteArrayContent(File.ReadAllBytes(image));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        using var response = await http.PostAsync("/predict", content);
        using var api = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var expected = api.RootElement.GetProperty("predictedLabel").GetString();

        var output = Run("node", [Path.Combine(TestPaths.BrowserFolder, "upload.mjs"), service.Url, image], TimeSpan.FromMinutes(2));
        using var shown = JsonDocument.Parse(output.Trim().Split('\n').Last());
        Assert.AreEqual(expected, shown.RootElement.GetProperty("label").GetString(), output);
        var bars = shown.RootElement.GetProperty("bars").EnumerateArray().ToList();
        CollectionAssert.AreEquivalent(TrainedModel.Classes, bars.Select(b => b.GetProperty("label").GetString()).ToArray());
        Assert.IsTrue(bars.All(b => b.GetProperty("width").GetString()!.EndsWith('%')), output);
        Assert.Contains("PreActResNet-8", shown.RootElement.GetProperty("generations").GetString()!);
    }

    private string Run(string program, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestPaths.BrowserFolder };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', arguments)} did not finish within {timeout}:\n{output}");
        }
        process.WaitForExit();
        TestContext.WriteLine(output.ToString());
        Assert.AreEqual(0, process.ExitCode, $"{program} {string.Join(' ', arguments)}:\n{output}");
        lock (output)
            return output.ToString();
    }
}
