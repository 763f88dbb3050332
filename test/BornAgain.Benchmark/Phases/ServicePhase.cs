using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace BornAgain.Benchmark.Phases;

/// <summary>
/// <c>POST /predict</c> of the scoring service (src/Samples/BornAgain.Service) serving the model.zip the estimator
/// phase saved, over HTTP on loopback: the cost a deployed model adds to the in-process PredictionEngine of the
/// scoring phase (Kestrel, the upload's copy, the service's decode check and its engine pool).
///
/// After a warm-up, one client sends the test JPEGs one after the other (p50/p99, to set against the scoring phase's
/// engineP50Ms), then <see cref="BenchmarkSettings.ServiceClients"/> clients each send
/// <see cref="BenchmarkSettings.ServiceRequestsPerClient"/> requests one after the other (a closed loop: a bounded
/// load that never outruns the service): requests per second over the wall time, and the p50/p99 of every request.
/// A latency runs from sending the request to having read the whole answer. The clients run in this process, on
/// the same cores as the service, as a load generator on the same machine would; peakRssMB is this (client)
/// process's, servicePeakRssMB the service's.
///
/// The two single-client figures do not decode the same way: the scoring phase's engine reads the file through
/// LoadImages/ResizeImages, while the service checks the upload by decoding it once and then hands the bytes to the
/// Born-Again transformer, which decodes and resizes them itself. So their ratio compares the whole deployed path
/// with the in-process one, not HTTP alone.
/// </summary>
internal static class ServicePhase
{
    /// <summary>Sequential requests before anything is timed (the first ones load and JIT the scoring path).</summary>
    private const int WarmupRequests = 20;

    public static JsonObject Run(BenchmarkSettings settings, string modelPath)
    {
        if (settings.ServiceClients < 1)
            throw new ArgumentException($"--service-clients must be at least 1; got {settings.ServiceClients}.");
        var images = CifarImages.Rows(settings.DataFolder, "test", settings.TestImages).Select(r => File.ReadAllBytes(r.ImagePath)).ToArray();
        using var service = ServiceProcess.Start(modelPath, TimeSpan.FromMinutes(2));
        try
        {
            return Measure(settings, service, images);
        }
        catch
        {
            // Caught (and rethrown) so the service is killed here: when no frame catches an exception, .NET ends the
            // process without running finally blocks, so `using` alone would leave the service running.
            service.Dispose();
            throw;
        }
    }

    private static JsonObject Measure(BenchmarkSettings settings, ServiceProcess service, byte[][] images)
    {
        using var client = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromMinutes(1) };

        CheckAnswer(PostAsync(client, images[0]).GetAwaiter().GetResult().Body);
        for (int i = 0; i < WarmupRequests; i++)
            Post(client, images[i % images.Length]);
        // One concurrent round too, so the service's engine pool holds an engine per client before timing.
        Load(client, images, settings.ServiceClients, 5);

        var single = new double[settings.LatencySamples];
        for (int i = 0; i < single.Length; i++)
            single[i] = Post(client, images[i % images.Length]);

        var (wallSeconds, latencies) = Load(client, images, settings.ServiceClients, settings.ServiceRequestsPerClient);
        return new JsonObject
        {
            ["singleClientP50Ms"] = Statistics.Median(single),
            ["singleClientP99Ms"] = Statistics.Percentile(single, 0.99),
            ["clients"] = settings.ServiceClients,
            ["requestsPerClient"] = settings.ServiceRequestsPerClient,
            ["requestsPerSecond"] = latencies.Length / wallSeconds,
            ["p50Ms"] = Statistics.Median(latencies),
            ["p99Ms"] = Statistics.Percentile(latencies, 0.99),
            ["servicePeakRssMB"] = service.PeakRssMB,
            ["peakRssMB"] = ProcessMemory.PeakMB,
        };
    }

    /// <summary>
    /// <paramref name="clients"/> concurrent clients, each sending <paramref name="requests"/> images one after the
    /// other (client c starts at image c × requests, so they send different images); returns the wall time from the
    /// first request to the last answer and every request's latency in milliseconds.
    /// </summary>
    private static (double WallSeconds, double[] LatenciesMs) Load(HttpClient client, byte[][] images, int clients, int requests)
    {
        var latencies = new double[clients * requests];
        long t0 = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (int i = 0; i < requests; i++)
                latencies[c * requests + i] = (await PostAsync(client, images[(c * requests + i) % images.Length])).Milliseconds;
        })).ToArray();
        Task.WaitAll(tasks);
        return (Stopwatch.GetElapsedTime(t0).TotalSeconds, latencies);
    }

    private static double Post(HttpClient client, byte[] image) => PostAsync(client, image).GetAwaiter().GetResult().Milliseconds;

    /// <summary>One <c>POST /predict</c> with the JPEG as a raw image/jpeg body: its latency in milliseconds and the answer (200 OK required).</summary>
    private static async Task<(double Milliseconds, string Body)> PostAsync(HttpClient client, byte[] image)
    {
        using var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        long t0 = Stopwatch.GetTimestamp();
        using var response = await client.PostAsync("predict", content);
        string body = await response.Content.ReadAsStringAsync();
        double milliseconds = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /predict answered {(int)response.StatusCode} {response.ReasonPhrase}: {body}");
        return (milliseconds, body);
    }

    /// <summary>The answer is the service's PredictionResult with ten class scores (so the timed requests score for real).</summary>
    private static void CheckAnswer(string body)
    {
        if (JsonNode.Parse(body) is not JsonObject answer || answer["predictedLabel"] is null || answer["scores"] is not JsonObject { Count: 10 })
            throw new InvalidOperationException($"POST /predict answered {body}; expected a predicted label and 10 class scores.");
    }
}
