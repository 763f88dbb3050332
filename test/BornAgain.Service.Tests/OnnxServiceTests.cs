using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using SkiaSharp;

namespace BornAgain.Service.Tests;

/// <summary>
/// The service serving the trained model's ONNX export: the same answers as the model.zip for the same uploads,
/// the same refusals of hostile uploads, and no LibTorch in its process.
/// </summary>
[TestClass]
public sealed class OnnxServiceTests
{
    private const double Tolerance = 1e-4;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task SameImagesGetTheSameAnswersFromTheZipAndTheOnnxExport()
    {
        // Real test images at the network's size, and two re-encoded at other sizes so the resize is compared too:
        // shrunk (antialiased) and enlarged (bilinear).
        var uploads = TrainedModel.Classes.SelectMany(c => TestPaths.TestImages(c, 4)).Select(path => (Name: Path.GetFileName(path), Bytes: File.ReadAllBytes(path))).ToList();
        var source = File.ReadAllBytes(TestPaths.TestImages("bird", 1).Single());
        uploads.Add(("bird 48x40 png", Resized(source, 48, 40)));
        uploads.Add(("bird 20x24 png", Resized(source, 20, 24)));

        double largest = 0;
        var predicted = new HashSet<string>();
        foreach (var (name, bytes) in uploads)
        {
            using var zip = JsonDocument.Parse(await Answer(InProcessService.Zip.Client, bytes));
            using var onnx = JsonDocument.Parse(await Answer(InProcessService.Onnx.Client, bytes));
            Assert.AreEqual(zip.RootElement.GetProperty("predictedLabel").GetString(), onnx.RootElement.GetProperty("predictedLabel").GetString(), name);
            predicted.Add(zip.RootElement.GetProperty("predictedLabel").GetString()!);
            var zipScores = zip.RootElement.GetProperty("scores").EnumerateObject().ToList();
            var onnxScores = onnx.RootElement.GetProperty("scores").EnumerateObject().ToList();
            CollectionAssert.AreEqual(zipScores.Select(p => p.Name).ToList(), onnxScores.Select(p => p.Name).ToList(), name);
            for (int i = 0; i < zipScores.Count; i++)
            {
                double difference = Math.Abs(zipScores[i].Value.GetDouble() - onnxScores[i].Value.GetDouble());
                largest = Math.Max(largest, difference);
                Assert.IsLessThanOrEqualTo(Tolerance, difference, $"{name}, class {zipScores[i].Name}");
            }
            Assert.AreEqual(zip.RootElement.GetProperty("generations").GetRawText(), onnx.RootElement.GetProperty("generations").GetRawText(), name);
        }
        TestContext.WriteLine($"{uploads.Count} uploads: largest probability difference zip vs onnx {largest:E2}; predicted {string.Join(", ", predicted)}");
    }

    [TestMethod]
    public async Task ModelAnswersTheSameClassesAndGenerationsAsTheZip()
    {
        var zip = await InProcessService.Zip.Client.GetStringAsync("/model");
        var onnx = await InProcessService.Onnx.Client.GetStringAsync("/model");
        Assert.AreEqual(zip, onnx);
        Assert.DoesNotContain("model.onnx", onnx);
        using var ready = await InProcessService.Onnx.Client.GetAsync("/readyz");
        Assert.AreEqual(HttpStatusCode.OK, ready.StatusCode);
    }

    [TestMethod]
    public async Task HostileUploadsGetTheSameRefusalsAsWithTheZip()
    {
        var jpeg = File.ReadAllBytes(TestPaths.TestImages("bird", 1).Single());
        var corrupt = jpeg[..200].Concat(new byte[300]).ToArray(); // a JPEG header, then zeros
        var cases = new (string Name, byte[] Bytes, string Type, HttpStatusCode Expected)[]
        {
            ("image bomb", ImageBomb.Png(20000, 20000), "image/png", HttpStatusCode.UnprocessableEntity),
            ("not an image", "just some text"u8.ToArray(), "application/octet-stream", HttpStatusCode.UnsupportedMediaType),
            ("corrupt JPEG", corrupt, "image/jpeg", HttpStatusCode.BadRequest),
            ("too large a body", new byte[ServiceFactory.MaxBodyBytes + 1], "image/png", HttpStatusCode.RequestEntityTooLarge),
        };
        foreach (var (name, bytes, type, expected) in cases)
        {
            using var zip = await InProcessService.Zip.Client.PostAsync("/predict", Raw(bytes, type));
            using var onnx = await InProcessService.Onnx.Client.PostAsync("/predict", Raw(bytes, type));
            var body = await onnx.Content.ReadAsStringAsync();
            TestContext.WriteLine($"{name}: {(int)onnx.StatusCode} {body}");
            Assert.AreEqual(expected, zip.StatusCode, $"{name} (zip)");
            Assert.AreEqual(expected, onnx.StatusCode, $"{name} (onnx): {body}");
            Assert.AreEqual("application/problem+json", onnx.Content.Headers.ContentType?.MediaType, name);
        }
    }

    [TestMethod]
    public async Task ServingTheOnnxExportNeverLoadsLibTorch()
    {
        var jpeg = File.ReadAllBytes(TestPaths.TestImages("airplane", 1).Single());
        string onnxMaps = await MapsAfterOnePrediction(TrainedModel.OnnxPath, jpeg);
        string zipMaps = await MapsAfterOnePrediction(TrainedModel.ModelPath, jpeg);

        // The check can fail: the model.zip's process maps LibTorch, found by the same test.
        Assert.IsTrue(TorchLibraries(zipMaps).Any(l => l.Contains("libtorch", StringComparison.Ordinal)), "the zip service maps libtorch");
        Assert.IsTrue(onnxMaps.Contains("libonnxruntime", StringComparison.Ordinal), "the ONNX service maps ONNX Runtime");
        var torch = TorchLibraries(onnxMaps).ToList();
        Assert.IsEmpty(torch, "the ONNX service mapped: " + string.Join(", ", torch));
    }

    /// <summary>Starts the service as its own process, scores one image, and reads the process's memory map.</summary>
    private static async Task<string> MapsAfterOnePrediction(string modelPath, byte[] jpeg)
    {
        using var service = ServiceProcess.Start(modelPath);
        using var client = new HttpClient { BaseAddress = new Uri(service.Url) };
        using var response = await client.PostAsync("/predict", Raw(jpeg, "image/jpeg"));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        return await File.ReadAllTextAsync($"/proc/{service.ProcessId}/maps");
    }

    private static IEnumerable<string> TorchLibraries(string maps) =>
        maps.Split('\n').Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
            .Where(file => Path.GetFileName(file).Contains("torch", StringComparison.OrdinalIgnoreCase)).Select(Path.GetFileName).Distinct()!;

    private static byte[] Resized(byte[] encoded, int width, int height)
    {
        using var bitmap = SKBitmap.Decode(encoded);
        using var resized = bitmap.Resize(new SKImageInfo(width, height), SKFilterQuality.Medium);
        using var image = SKImage.FromBitmap(resized);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static async Task<string> Answer(HttpClient client, byte[] bytes)
    {
        using var response = await client.PostAsync("/predict", Raw(bytes, "application/octet-stream"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, body);
        return body;
    }

    private static ByteArrayContent Raw(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }
}
