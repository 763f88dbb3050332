using System.Globalization;
using System.Threading.RateLimiting;
using BornAgain.Service;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

// Scoring service for a Born-Again model.zip, or the model exported to ONNX (scored by ONNX Runtime, no LibTorch):
//   dotnet run --project src/Samples/BornAgain.Service -c Release -- --model path/to/model.zip [--urls http://localhost:5000]
//   dotnet run --project src/Samples/BornAgain.Service -c Release -- --model path/to/model.onnx
var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--model"] = "Model:Path" });
builder.Services.Configure<ModelOptions>(builder.Configuration.GetSection(ModelOptions.Section));
builder.Services.Configure<PredictOptions>(builder.Configuration.GetSection(PredictOptions.Section));
builder.Services.AddSingleton(services =>
{
    var predict = services.GetRequiredService<IOptions<PredictOptions>>().Value;
    return ModelScorers.Load(services.GetRequiredService<IOptions<ModelOptions>>().Value.Path, predict.MaxConcurrentRequests, predict.MaxImagePixels);
});
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi();

// Health: liveness (the process answers) and readiness (the model is loaded); neither reveals paths or settings.
builder.Services.AddHealthChecks()
    .AddCheck<ModelLoadedCheck>("model", tags: ["ready"]);

// At most MaxConcurrentRequests scorings at once and QueueLength waiting; beyond that 503 + Retry-After, before the
// body is read, so a flood of uploads costs neither memory nor the health checks their answers. The limits are read
// from the Predict section when the first request arrives.
const string PredictPolicy = "predict";
builder.Services.AddRateLimiter(limiter =>
{
    limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
    limiter.AddPolicy(PredictPolicy, context => RateLimitPartition.GetConcurrencyLimiter(PredictPolicy, _ =>
    {
        var predict = context.RequestServices.GetRequiredService<IOptions<PredictOptions>>().Value;
        return new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Max(1, predict.MaxConcurrentRequests),
            QueueLimit = Math.Max(0, predict.QueueLength),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        };
    }));
    limiter.OnRejected = async (context, cancellation) =>
    {
        var predict = context.HttpContext.RequestServices.GetRequiredService<IOptions<PredictOptions>>().Value;
        context.HttpContext.Response.Headers.RetryAfter = predict.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too many requests",
                detail: $"The service is scoring {predict.MaxConcurrentRequests} images and {predict.QueueLength} more are waiting; " +
                    $"retry after {predict.RetryAfterSeconds} s (Predict:MaxConcurrentRequests, Predict:QueueLength).")
            .ExecuteAsync(context.HttpContext);
    };
});
builder.Services.AddRequestTimeouts();
builder.Services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<PredictOptions>>((timeouts, options) =>
{
    var predict = options.Value;
    timeouts.AddPolicy(PredictPolicy, new RequestTimeoutPolicy
    {
        Timeout = TimeSpan.FromSeconds(predict.TimeoutSeconds),
        TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
        WriteTimeoutResponse = context => Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Request timed out",
                detail: $"The request took longer than {predict.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s (Predict:TimeoutSeconds).")
            .ExecuteAsync(context),
    });
});

var app = builder.Build();

// Scoring is synchronous CPU work that holds a thread-pool thread for its whole duration. Without spare threads, a
// burst of scorings takes every pool thread and Kestrel's I/O and the health checks wait for the pool to inject more
// (about two a second): keep one spare thread per concurrent scoring above the default minimum.
{
    var limits = app.Services.GetRequiredService<IOptions<PredictOptions>>().Value;
    ThreadPool.GetMinThreads(out int workers, out int completionPorts);
    ThreadPool.SetMinThreads(workers + Math.Max(1, limits.MaxConcurrentRequests), completionPorts);
}

// Load the model now, not on the first request: a model that cannot be served stops start-up, naming the file.
try
{
    var scorer = app.Services.GetRequiredService<IModelScorer>();
    app.Logger.LogInformation("Serving {Model}: classes {Classes}; generations {Generations}",
        scorer.ModelPath, string.Join(", ", scorer.Labels), string.Join(", ", scorer.Generations.Select(g => g.Name)));
}
catch (ModelLoadException e)
{
    // The message names the file and what is wrong with it; a stack trace would only bury it. The console logger
    // writes from a background queue: disposing the app flushes it before the process ends.
    app.Logger.LogCritical("{Message}", e.Message);
    await app.DisposeAsync();
    return 1;
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRouting();
app.UseMiddleware<ApiKeyMiddleware>();
app.UseRequestTimeouts();
app.UseRateLimiter();

app.MapGet("/", () => Results.Content(IndexPage.Html, "text/html; charset=utf-8")).ExcludeFromDescription();

app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }); // liveness: no check runs
app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
app.MapOpenApi();

app.MapGet("/model", (IModelScorer scorer) => Results.Ok(new ModelInfo(scorer.Labels, scorer.Generations)))
    .WithSummary("The served model's classes and scoring generations (no file path).");

app.MapPost("/predict", async (HttpRequest request, IModelScorer scorer, IOptions<PredictOptions> options, CancellationToken cancellation) =>
{
    var upload = await ImageUpload.ReadAsync(request, options.Value.MaxBodyBytes, cancellation);
    if (upload.Bytes is not { } bytes)
        return Results.Problem(statusCode: upload.Status, title: upload.Title, detail: upload.Detail);
    if (ImageFormats.Detect(bytes) is null)
    {
        return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Not an image",
            detail: $"The {bytes.Length} bytes sent are not a PNG, JPEG, GIF, BMP or WebP image.");
    }

    // The header says how large the image is: an image bomb (a few KB that decode to gigabytes) is refused undecoded.
    if (ImageHeader.TryReadSize(bytes) is { } size
        && (long)size.Width * size.Height is var pixels && pixels > options.Value.MaxImagePixels)
    {
        return Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Image too large",
            detail: $"The {ImageFormats.Detect(bytes)} image is {size.Width}x{size.Height} = {pixels} pixels; at most " +
                $"{options.Value.MaxImagePixels} are accepted (Predict:MaxImagePixels).");
    }

    // Decoded once, by the scorer: an image it cannot decode is the client's fault (400), named as such.
    try
    {
        return Results.Ok(scorer.Predict(bytes, cancellation));
    }
    catch (Exception e) when (FirstInvalidData(e) is { } corrupt)
    {
        return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Corrupt image",
            detail: $"The {ImageFormats.Detect(bytes)} image of {bytes.Length} bytes could not be decoded: {corrupt.Message}");
    }
})
    .DisableAntiforgery()
    .RequireRateLimiting(PredictPolicy)
    .WithSummary("Scores one image: a multipart form (field 'image') or a raw image/* or application/octet-stream body.")
    .Produces<PredictionResult>()
    .ProducesProblem(StatusCodes.Status400BadRequest)
    .ProducesProblem(StatusCodes.Status401Unauthorized)
    .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
    .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
    .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
    .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
    .WithRequestTimeout(PredictPolicy);

app.Run();
return 0;

// The transformer's "not a decodable image" (InvalidDataException, naming the row) under ML.NET's wrappers, above the
// decoder's own exception.
static InvalidDataException? FirstInvalidData(Exception? e)
{
    for (; e is not null; e = e.InnerException)
    {
        if (e is InvalidDataException found)
            return found;
    }
    return null;
}

/// <summary>Visible to the integration tests (WebApplicationFactory&lt;Program&gt;).</summary>
public partial class Program;
