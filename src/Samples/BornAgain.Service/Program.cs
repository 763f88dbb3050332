using BornAgain.Service;
using Microsoft.Extensions.Options;
using Microsoft.ML.Data;

// Scoring service for a Born-Again model.zip:
//   dotnet run --project src/Samples/BornAgain.Service -c Release -- --model path/to/model.zip [--urls http://localhost:5000]
var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--model"] = "Model:Path" });
builder.Services.Configure<ModelOptions>(builder.Configuration.GetSection(ModelOptions.Section));
builder.Services.Configure<PredictOptions>(builder.Configuration.GetSection(PredictOptions.Section));
builder.Services.AddSingleton(services => ModelScorer.Load(services.GetRequiredService<IOptions<ModelOptions>>().Value.Path));
builder.Services.AddProblemDetails();

var app = builder.Build();

// Load the model now, not on the first request: a model that cannot be served stops start-up, naming the file.
try
{
    var scorer = app.Services.GetRequiredService<ModelScorer>();
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

app.MapGet("/", () => Results.Content(IndexPage.Html, "text/html; charset=utf-8"));

app.MapGet("/healthz", (ModelScorer scorer) => Results.Ok(new
{
    status = "ok",
    model = scorer.ModelPath,
    classes = scorer.Labels,
    generations = scorer.Generations,
}));

app.MapPost("/predict", async (HttpRequest request, ModelScorer scorer, IOptions<PredictOptions> options, CancellationToken cancellation) =>
{
    var upload = await ImageUpload.ReadAsync(request, options.Value.MaxBodyBytes, cancellation);
    if (upload.Bytes is not { } bytes)
        return Results.Problem(statusCode: upload.Status, title: upload.Title, detail: upload.Detail);
    if (ImageFormats.Detect(bytes) is null)
    {
        return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Not an image",
            detail: $"The {bytes.Length} bytes sent are not a PNG, JPEG, GIF, BMP or WebP image.");
    }
    // Decoded once here to tell a corrupt upload (400) from a scoring failure; the transformer decodes its own copy.
    try
    {
        using var image = MLImage.CreateFromStream(new MemoryStream(bytes, writable: false));
    }
    catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
    {
        return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Corrupt image",
            detail: $"The {ImageFormats.Detect(bytes)} image of {bytes.Length} bytes could not be decoded: {e.Message}");
    }
    return Results.Ok(scorer.Predict(bytes));
}).DisableAntiforgery();

app.Run();
return 0;

/// <summary>Visible to the integration tests (WebApplicationFactory&lt;Program&gt;).</summary>
public partial class Program;
