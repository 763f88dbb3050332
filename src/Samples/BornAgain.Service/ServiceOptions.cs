namespace BornAgain.Service;

/// <summary>Configuration section <c>Model</c>: which model.zip to serve (also <c>--model path</c>).</summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>Path of the ML.NET model zip; relative paths are resolved against the working directory.</summary>
    public string Path { get; set; } = "";
}

/// <summary>Configuration section <c>Predict</c>: limits of <c>POST /predict</c>.</summary>
public sealed class PredictOptions
{
    public const string Section = "Predict";

    /// <summary>Largest accepted request body in bytes (the whole multipart form or raw image); larger gets 413.</summary>
    public long MaxBodyBytes { get; set; } = 4 * 1024 * 1024;
}
