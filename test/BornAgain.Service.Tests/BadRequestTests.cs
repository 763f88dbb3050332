using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BornAgain.Service.Tests;

/// <summary>
/// Every bad request gets a 4xx with a JSON problem body, never a 500. (A model that cannot be loaded stops start-up:
/// <see cref="StartupTests"/>, on the service as a real process.)
/// </summary>
[TestClass]
public sealed class BadRequestTests
{
    private static HttpClient Client => InProcessService.Zip.Client;

    [TestMethod]
    public async Task FormWithoutAFileIs400()
    {
        var form = new MultipartFormDataContent { { new StringContent("hello"), "comment" } };
        await AssertProblem(form, HttpStatusCode.BadRequest, "No image");
    }

    [TestMethod]
    public async Task EmptyRawBodyIs400()
    {
        await AssertProblem(Raw([], "image/png"), HttpStatusCode.BadRequest, "No image");
    }

    [TestMethod]
    public async Task TextFileIsNotAnImage415()
    {
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("this is a text file, not a picture"));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        await AssertProblem(new MultipartFormDataContent { { file, "image", "notes.jpg" } }, HttpStatusCode.UnsupportedMediaType, "Not an image");
    }

    [TestMethod]
    public async Task CorruptImageIs400()
    {
        // A real PNG signature and header start, then garbage: it looks like an image but cannot be decoded.
        var corrupt = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.Concat(Enumerable.Repeat((byte)0x5A, 200)).ToArray();
        await AssertProblem(Raw(corrupt, "image/png"), HttpStatusCode.BadRequest, "Corrupt image");
    }

    [TestMethod]
    public async Task TruncatedJpegIsRejectedOrScoredButNever500()
    {
        var jpeg = File.ReadAllBytes(TestPaths.TestImages("bird", 1).Single());
        using var response = await Client.PostAsync("/predict", Raw(jpeg[..20], "image/jpeg"));
        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [TestMethod]
    [DataRow("application/json")]
    [DataRow("text/plain")]
    [DataRow("application/x-www-form-urlencoded")]
    public async Task WrongContentTypeIs415(string contentType)
    {
        var jpeg = File.ReadAllBytes(TestPaths.TestImages("bird", 1).Single());
        await AssertProblem(Raw(jpeg, contentType), HttpStatusCode.UnsupportedMediaType, "Unsupported content type");
    }

    [TestMethod]
    public async Task MissingContentTypeIs415()
    {
        var content = new ByteArrayContent(File.ReadAllBytes(TestPaths.TestImages("bird", 1).Single()));
        await AssertProblem(content, HttpStatusCode.UnsupportedMediaType, "Unsupported content type");
    }

    [TestMethod]
    public async Task BodyOverTheConfiguredLimitIs413()
    {
        var big = new byte[ServiceFactory.MaxBodyBytes + 1];
        new byte[] { 0xFF, 0xD8, 0xFF }.CopyTo(big, 0);
        await AssertProblem(Raw(big, "image/jpeg"), HttpStatusCode.RequestEntityTooLarge, "Request body too large");
        var form = new MultipartFormDataContent { { new ByteArrayContent(big), "image", "big.jpg" } };
        await AssertProblem(form, HttpStatusCode.RequestEntityTooLarge, "Request body too large");
    }

    [TestMethod]
    public async Task ChunkedBodyOverTheLimitIs413()
    {
        // No Content-Length: the limit is enforced while reading.
        var big = new byte[ServiceFactory.MaxBodyBytes * 2];
        var content = new StreamContent(new NonSeekableStream(big));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        await AssertProblem(content, HttpStatusCode.RequestEntityTooLarge, "Request body too large");
    }

    private static ByteArrayContent Raw(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    private static async Task AssertProblem(HttpContent content, HttpStatusCode status, string title)
    {
        using var response = await Client.PostAsync("/predict", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(status, response.StatusCode, body);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType, body);
        using var json = JsonDocument.Parse(body);
        Assert.AreEqual(title, json.RootElement.GetProperty("title").GetString(), body);
        Assert.AreEqual((int)status, json.RootElement.GetProperty("status").GetInt32());
        Assert.IsFalse(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("detail").GetString()));
    }

    /// <summary>Hides the length, so HttpClient sends the body chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
