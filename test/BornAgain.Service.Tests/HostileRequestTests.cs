using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.ML.BornAgain.Tests.Infrastructure;

namespace BornAgain.Service.Tests;

/// <summary>
/// Requests crafted against the service in process: an image bomb, a missing API key, a burst on the engine pool, and what the health checks and the OpenAPI document reveal. Each gets a 4xx/503 problem body, never a 500.
/// </summary>
[TestClass]
public sealed class HostileRequestTests
{
    private static HttpClient Client => InProcessService.Zip.Client;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task ImageBomb_Is422_FromItsHeader_WithBoundedMemory()
    {
        var bomb = ImageBomb.Png(20000, 20000);
        await Client.GetAsync("/healthz"); // the service is started before measuring
        GC.Collect();
        long before = ProcessMemory.ResidentBytes();
        var watch = Stopwatch.StartNew();

        using var response = await Client.PostAsync("/predict", Raw(bomb, "image/png"));

        long grown = ProcessMemory.ResidentBytes() - before;
        var body = await response.Content.ReadAsStringAsync();
        TestContext.WriteLine($"{bomb.Length}-byte PNG of 20000x20000: {(int)response.StatusCode} in {watch.Elapsed.TotalMilliseconds:F0} ms, resident memory +{grown / 1e6:F1} MB: {body}");
        Assert.AreEqual(HttpStatusCode.UnprocessableEntity, response.StatusCode, body);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        StringAssert.Contains(body, "20000x20000 = 400000000 pixels");
        StringAssert.Contains(body, "Predict:MaxImagePixels");
        Assert.IsLessThan(64L << 20, grown, $"resident memory grew by {grown / 1e6:F1} MB");
    }

    [TestMethod]
    public async Task HealthChecks_AnswerWithoutRevealingPaths()
    {
        foreach (string path in new[] { "/healthz", "/readyz" })
        {
            using var response = await Client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, $"{path}: {body}");
            Assert.AreEqual("Healthy", body, path);
        }
    }

    [TestMethod]
    public async Task OpenApiDocument_DescribesPredict()
    {
        using var json = JsonDocument.Parse(await Client.GetStringAsync("/openapi/v1.json"));
        var paths = json.RootElement.GetProperty("paths");
        Assert.IsTrue(paths.TryGetProperty("/predict", out var predict), paths.ToString());
        var responses = predict.GetProperty("post").GetProperty("responses");
        foreach (string status in new[] { "200", "413", "415", "422", "503" })
            Assert.IsTrue(responses.TryGetProperty(status, out _), $"no {status} response in {responses}");
        Assert.DoesNotContain(TrainedModel.Directory, json.RootElement.ToString());
    }

    [TestMethod]
    public async Task ApiKey_WhenConfigured_IsRequiredByPredictOnly()
    {
        using var factory = new ConfiguredService(new() { ["Predict:ApiKey"] = "s3cret-key" });
        using var client = factory.CreateClient();
        var jpeg = File.ReadAllBytes(TestPaths.TestImages("bird", 1).Single());

        using (var missing = await client.PostAsync("/predict", Raw(jpeg, "image/jpeg")))
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, missing.StatusCode);
            StringAssert.Contains(await missing.Content.ReadAsStringAsync(), "X-Api-Key");
        }
        using (var wrong = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = Raw(jpeg, "image/jpeg") })
        {
            wrong.Headers.Add("X-Api-Key", "s3cret-kez");
            using var response = await client.SendAsync(wrong);
            Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using (var right = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = Raw(jpeg, "image/jpeg") })
        {
            right.Headers.Add("X-Api-Key", "s3cret-key");
            using var response = await client.SendAsync(right);
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        using var health = await client.GetAsync("/healthz");
        Assert.AreEqual(HttpStatusCode.OK, health.StatusCode, "the health checks need no key");
    }

    [TestMethod]
    public void EnginePool_NeverHoldsMoreThanItsBound()
    {
        using var scorer = ZipModelScorer.Load(TrainedModel.ModelPath, maxEngines: 2);
        var jpeg = File.ReadAllBytes(TestPaths.TestImages("bird", 1).Single());

        Parallel.For(0, 24, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => scorer.Predict(jpeg));

        Assert.AreEqual(2, scorer.MaxEngines);
        Assert.IsLessThanOrEqualTo(2, scorer.EnginesCreated);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsExactly<OperationCanceledException>(() => scorer.Predict(jpeg, cancelled.Token));
    }

    private static ByteArrayContent Raw(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }
}

/// <summary>The service in process with extra settings on top of the test model.</summary>
internal sealed class ConfiguredService(Dictionary<string, string> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Model:Path", TrainedModel.ModelPath);
        foreach (var (key, value) in settings)
            builder.UseSetting(key, value);
    }
}
