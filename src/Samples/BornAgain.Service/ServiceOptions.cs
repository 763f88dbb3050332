namespace BornAgain.Service;

/// <summary>
/// Configuration section <c>Model</c>: which model to serve (also <c>--model path</c>): an ML.NET model.zip, or a
/// <c>.onnx</c> file written by <c>BornAgainTransformer.ExportToOnnx</c> (scored by ONNX Runtime, without LibTorch).
/// </summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>Path of the model.zip or .onnx file (by its extension); relative paths are resolved against the working directory.</summary>
    public string Path { get; set; } = "";
}

/// <summary>Configuration section <c>Predict</c>: limits of <c>POST /predict</c>.</summary>
public sealed class PredictOptions
{
    public const string Section = "Predict";

    /// <summary>Largest accepted request body in bytes (the whole multipart form or raw image); larger gets 413.</summary>
    public long MaxBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Most images (width x height pixels, read from the image's header before decoding) an upload may have; larger
    /// gets 422 without being decoded. Also the model's <c>BornAgainTransformer.MaxImagePixels</c>.
    /// </summary>
    public long MaxImagePixels { get; set; } = 4096L * 4096;

    /// <summary>
    /// Requests to <c>/predict</c> handled at once (the rest wait in the queue); also the most prediction engines the
    /// service holds. Default: the processor count.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Requests to <c>/predict</c> that may wait for a free slot; when the queue is full too, the request gets 503
    /// with <c>Retry-After</c> at once, before its body is read. A waiting request holds its connection, not its body;
    /// <see cref="TimeoutSeconds"/> bounds its wait. Default 100.
    /// </summary>
    public int QueueLength { get; set; } = 100;

    /// <summary>
    /// Seconds a <c>/predict</c> request may take in all, queueing, upload and scoring included; then it is cancelled
    /// and answered 503. Default 30.
    /// </summary>
    public double TimeoutSeconds { get; set; } = 30;

    /// <summary>Seconds a rejected client is told to wait (<c>Retry-After</c>). Default 1.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>
    /// When set, <c>/predict</c> requires the header <c>X-Api-Key</c> with this value (401 otherwise); the health
    /// checks, the OpenAPI document and the page stay open. Default: none (no key required). Set it through the
    /// environment (<c>Predict__ApiKey</c>) or a secret store, not in a committed appsettings.json.
    /// </summary>
    public string? ApiKey { get; set; }
}
