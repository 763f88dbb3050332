using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.ML.BornAgain.Tests.Infrastructure;

namespace BornAgain.Service.Tests;

/// <summary>
/// The service as a real process on loopback (Kestrel, real sockets): 32 concurrent 4 MB uploads while the health
/// check keeps answering fast, and an upload slower than the request timeout, cancelled and answered 503.
/// </summary>
[TestClass]
public sealed class FloodTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task ThirtyTwoConcurrentFourMegabyteUploads_LeaveTheHealthCheckFast()
    {
        // 1180 x 1180 RGB noise: just under the 4 MiB body limit, 1.4 megapixels to decode, resize and score.
        var upload = ImageBomb.NoisePng(1180, 1180, seed: 1);
        Assert.IsTrue(upload.Length is > 4_000_000 and < 4 * 1024 * 1024, $"{upload.Length} bytes");
        await using var service = await ServiceProcess.StartAsync(
            "--Predict:MaxConcurrentRequests", "2", "--Predict:QueueLength", "6", "--Predict:RetryAfterSeconds", "2");
        using var uploads = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(60) };
        using var health = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(10) };
        // Warm up (first request's JIT and engine) before measuring.
        using (var first = new ByteArrayContent(ImageBomb.NoisePng(64, 64, seed: 2)))
        {
            first.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            using var warm = await uploads.PostAsync("/predict", first);
            Assert.AreEqual(HttpStatusCode.OK, warm.StatusCode, await warm.Content.ReadAsStringAsync());
            (await health.GetAsync("/healthz")).Dispose();
        }
        long residentBefore = service.ResidentBytes();
        var watch = Stopwatch.StartNew();

        var posts = Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            var content = new ByteArrayContent(upload);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            using var response = await uploads.PostAsync("/predict", content);
            return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta, Body: await response.Content.ReadAsStringAsync());
        })).ToList();
        var all = Task.WhenAll(posts);
        var latencies = new List<double>();
        long peakResident = 0;
        while (!all.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            var probe = Stopwatch.StartNew();
            using (var response = await health.GetAsync("/healthz"))
                Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
            latencies.Add(probe.Elapsed.TotalMilliseconds);
            peakResident = Math.Max(peakResident, service.ResidentBytes());
            await Task.Delay(10);
        }
        var answers = await all;

        latencies.Sort();
        double p50 = latencies[latencies.Count / 2], p95 = latencies[(int)Math.Ceiling(0.95 * latencies.Count) - 1],
            p99 = latencies[(int)Math.Ceiling(0.99 * latencies.Count) - 1];
        int ok = answers.Count(a => a.StatusCode == HttpStatusCode.OK);
        int rejected = answers.Count(a => a.StatusCode == HttpStatusCode.ServiceUnavailable);
        TestContext.WriteLine($"32 uploads of {upload.Length} bytes in {watch.Elapsed.TotalSeconds:F1} s: {ok} scored, {rejected} rejected (503); " +
            $"/healthz {latencies.Count} probes p50 {p50:F1} ms p95 {p95:F1} ms p99 {p99:F1} ms max {latencies[^1]:F1} ms; " +
            $"service resident memory {residentBefore / 1e6:F0} MB before, {peakResident / 1e6:F0} MB peak");
        foreach (var answer in answers)
        {
            Assert.IsTrue(answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{answer.StatusCode}: {answer.Body}");
            if (answer.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.AreEqual(TimeSpan.FromSeconds(2), answer.RetryAfter, answer.Body);
                StringAssert.Contains(answer.Body, "Too many requests");
            }
        }
        Assert.IsGreaterThanOrEqualTo(2, ok, "the service scored at least its concurrent requests");
        Assert.IsGreaterThan(0, rejected, "with 2 running and 6 queued, some of 32 uploads must be turned away");
        Assert.IsGreaterThanOrEqualTo(10, latencies.Count, "too few health probes ran during the uploads");
        // A probe queued behind the uploads would wait for a scoring of 1.4 megapixels, about a second on 2 cores; one
        // that is not can still meet a garbage collection of the uploads' buffers or, in CI, the other test assembly
        // training on the same 2 cores (fresh-clone runs saw a single probe of 380 ms among 185 with p50 3 ms). So: 95%
        // of the probes within 200 ms, and none as long as a scoring.
        Assert.IsLessThan(200, p95, $"/healthz p95 {p95:F1} ms under load");
        Assert.IsLessThan(1000, latencies[^1], $"/healthz max {latencies[^1]:F1} ms under load: a probe waited as long as a scoring");
    }

    [TestMethod]
    public async Task UploadSlowerThanTheTimeout_IsCancelled_And503()
    {
        await using var service = await ServiceProcess.StartAsync("--Predict:TimeoutSeconds", "1");
        // A raw socket, as a slow or stuck client: it announces 100,000 bytes, sends a PNG signature, then nothing.
        // (HttpClient would report the server closing the connection under its unsent body, not the answer.)
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, service.Address.Port);
        var stream = socket.GetStream();
        var watch = Stopwatch.StartNew();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
            "POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n"));
        await stream.WriteAsync(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A });

        using var reader = new StreamReader(stream);
        string answer = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(15));

        TestContext.WriteLine($"after {watch.Elapsed.TotalMilliseconds:F0} ms: {answer}");
        StringAssert.StartsWith(answer, "HTTP/1.1 503");
        StringAssert.Contains(answer, "Predict:TimeoutSeconds");
        Assert.IsLessThan(TimeSpan.FromSeconds(10), watch.Elapsed, "the request was not cancelled at its timeout");
    }

    /// <summary>The service's build output started on a free loopback port, serving the test model; killed on dispose.</summary>
    private sealed class ServiceProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private ServiceProcess(Process process, Uri address)
        {
            _process = process;
            Address = address;
        }

        public Uri Address { get; }

        public long ResidentBytes()
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
            return 0;
        }

        public static async Task<ServiceProcess> StartAsync(params string[] settings)
        {
            int port;
            using (var listener = new TcpListener(IPAddress.Loopback, 0))
            {
                listener.Start();
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
            }
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { TestPaths.ServiceDll, "--model", TrainedModel.ModelPath, "--urls", $"http://127.0.0.1:{port}" }.Concat(settings))
                start.ArgumentList.Add(argument);
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}/"));
            using var client = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(2) };
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                Assert.IsFalse(process.HasExited, $"the service exited with code {(process.HasExited ? process.ExitCode : 0)}");
                try
                {
                    using var response = await client.GetAsync("/readyz");
                    if (response.IsSuccessStatusCode)
                        return service;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }
                await Task.Delay(100);
            }
            await service.DisposeAsync();
            Assert.Fail("the service did not become ready within 60 s");
            return null!;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
