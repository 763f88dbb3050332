using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace BornAgain.Service;

/// <summary>Readiness: the model is loaded and can score. Reports no path or setting.</summary>
public sealed class ModelLoadedCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var scorer = services.GetRequiredService<IModelScorer>();
            return Task.FromResult(scorer.Labels.Count > 0
                ? HealthCheckResult.Healthy("model loaded")
                : HealthCheckResult.Unhealthy("model has no classes"));
        }
        catch (ModelLoadException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("model not loaded"));
        }
    }
}

/// <summary>
/// The optional API key of <c>POST /predict</c> (<see cref="PredictOptions.ApiKey"/>): when one is configured, a
/// request without the header <c>X-Api-Key</c> holding it gets 401 before its body is read or a slot is taken.
/// The comparison takes the same time wherever the keys differ.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, IOptions<PredictOptions> options)
{
    public const string HeaderName = "X-Api-Key";

    public async Task InvokeAsync(HttpContext context)
    {
        string? key = options.Value.ApiKey;
        if (string.IsNullOrEmpty(key) || !context.Request.Path.StartsWithSegments("/predict", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }
        string? sent = context.Request.Headers[HeaderName];
        if (sent is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(key)))
        {
            await next(context);
            return;
        }
        await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "API key required",
                detail: $"This service requires its API key in the {HeaderName} header.")
            .ExecuteAsync(context);
    }
}

/// <summary>What <c>GET /model</c> answers: the classes in score order and the scoring generations.</summary>
public sealed record ModelInfo(IReadOnlyList<string> Classes, IReadOnlyList<GenerationInfo> Generations);
