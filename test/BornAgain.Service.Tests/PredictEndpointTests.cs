using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace BornAgain.Service.Tests;

/// <summary>POST /predict, GET /model and GET / through the real HTTP pipeline (WebApplicationFactory) on a real model.</summary>
[TestClass]
public sealed class PredictEndpointTests
{
    private static HttpClient Client => InProcessService.Zip.Client;

    [TestMethod]
    public async Task MultipartUploadReturnsLabelEveryClassScoreAndGenerations()
    {
        var image = TestPaths.TestImages("bird", 1).Single();
        using var response = await Client.PostAsync("/predict", Multipart(File.ReadAllBytes(image), "image/jpeg"));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        var scores = root.GetProperty("scores").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        CollectionAssert.AreEquivalent(TrainedModel.Classes, scores.Keys.ToArray());
        Assert.AreEqual(1.0, scores.Values.Sum(), 1e-4, "probabilities sum to 1");
        var predicted = root.GetProperty("predictedLabel").GetString();
        Assert.AreEqual(scores.MaxBy(p => p.Value).Key, predicted);
        var generations = root.GetProperty("generations").EnumerateArray().ToList();
        Assert.HasCount(1, generations, "the last generation scores alone by default");
        Assert.AreEqual(1, generations[0].GetProperty("index").GetInt32());
        Assert.AreEqual("PreActResNet-8", generations[0].GetProperty("architecture").GetString());
    }

    [TestMethod]
    public async Task RawBodyGivesTheSameAnswerAsMultipart()
    {
        foreach (var image in TestPaths.TestImages("automobile", 3))
        {
            var bytes = File.ReadAllBytes(image);
            var raw = new ByteArrayContent(bytes);
            raw.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            Assert.AreEqual(await Answer(Multipart(bytes, "image/jpeg")), await Answer(raw), image);
        }
    }

    [TestMethod]
    public async Task SixtyFourConcurrentRequestsAnswerAsSequentialOnes()
    {
        var images = TrainedModel.Classes.SelectMany(c => TestPaths.TestImages(c, 8)).Select(File.ReadAllBytes).ToList();
        var requests = Enumerable.Range(0, 64).Select(i => images[i % images.Count]).ToList();
        var sequential = new List<string>();
        foreach (var bytes in requests)
            sequential.Add(await Answer(Multipart(bytes, "image/jpeg")));
        var concurrent = await Task.WhenAll(requests.Select(bytes => Task.Run(() => Answer(Multipart(bytes, "image/jpeg")))));
        CollectionAssert.AreEqual(sequential, concurrent);
        Assert.IsGreaterThan(1, sequential.Distinct().Count(), "different images get different scores");
    }

    [TestMethod]
    public async Task ModelNamesItsClasses_ButNotItsPath()
    {
        var body = await Client.GetStringAsync("/model");
        using var json = JsonDocument.Parse(body);
        CollectionAssert.AreEqual(TrainedModel.Classes, json.RootElement.GetProperty("classes").EnumerateArray().Select(e => e.GetString()).ToArray());
        Assert.DoesNotContain(TrainedModel.Directory, body);
        Assert.DoesNotContain("model.zip", body);
    }

    [TestMethod]
    public async Task RootServesTheSelfContainedUploadPage()
    {
        using var response = await Client.GetAsync("/");
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("text/html", response.Content.Headers.ContentType!.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("id=\"image-input\"", html);
        Assert.Contains("fetch(\"/predict\"", html);
        Assert.DoesNotContain("http://", html, "no external fetch or CDN");
        Assert.DoesNotContain("https://", html, "no external fetch or CDN");
    }

    private static MultipartFormDataContent Multipart(byte[] bytes, string contentType, string field = "image")
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return new MultipartFormDataContent { { file, field, "upload" } };
    }

    private static async Task<string> Answer(HttpContent content)
    {
        using var response = await Client.PostAsync("/predict", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, body);
        return body;
    }
}
