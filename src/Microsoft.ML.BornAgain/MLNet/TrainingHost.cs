using Microsoft.ML.Runtime;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// What one <c>Fit</c> takes from its <see cref="MLContext"/>: ML.NET's logging channel, the context's seed and device, and
/// <c>MLContext.CancelExecution()</c> turned into a <see cref="CancellationToken"/> linked with the user's own token.
/// The ML.NET internals this needs (IHostEnvironmentInternal, the channel extensions) stay in this folder.
/// </summary>
internal sealed class TrainingHost : IDisposable
{
    private readonly IHostEnvironment _environment;
    private readonly IHost _host;
    private readonly IChannel _channel;
    private readonly CancellationTokenSource _cancellation;

    public TrainingHost(IHostEnvironment environment, string name, CancellationToken userToken)
    {
        _environment = environment;
        _host = environment.Register(name);
        Seed = ((IHostEnvironmentInternal)environment).Seed ?? _host.Rand.Next();
        _channel = _host.Start("Training");
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(userToken);
        UserToken = userToken;
    }

    /// <summary>The user's token (Options.CancellationToken).</summary>
    public CancellationToken UserToken { get; }

    /// <summary>Cancelled by the user's token or, at the next <see cref="CheckAlive"/>, by <c>MLContext.CancelExecution()</c>.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>True once <c>MLContext.CancelExecution()</c> was called (ML.NET cancels the context's registered hosts).</summary>
    public bool IsCanceledByContext => _host is ICancelable { IsCanceled: true };

    /// <summary>MLContext(seed)'s seed itself, so every Fit in a seeded context trains the same model.</summary>
    public int Seed { get; }

    /// <summary>Cancels <see cref="Token"/> when the context was cancelled; throws if it is cancelled.</summary>
    public void CheckAlive()
    {
        if (IsCanceledByContext && !_cancellation.IsCancellationRequested)
            _cancellation.Cancel();
        _cancellation.Token.ThrowIfCancellationRequested();
    }

    /// <summary>Cancels <see cref="Token"/> when the context was cancelled, without throwing (from training callbacks).</summary>
    public void Poll()
    {
        if (IsCanceledByContext && !_cancellation.IsCancellationRequested)
            _cancellation.Cancel();
    }

    /// <summary><c>MLContext.GpuDeviceId</c> and <c>FallbackToCpu</c>, as ML.NET's own TorchSharp trainers read them.</summary>
    public string Device()
    {
        var settings = (IHostEnvironmentInternal)_environment;
        if (settings.GpuDeviceId is not { } gpu)
            return "cpu";
        if (TorchSharp.torch.cuda.is_available())
            return $"cuda:{gpu}";
        if (settings.FallbackToCpu)
            return "cpu";
        throw new InvalidOperationException(
            $"MLContext.GpuDeviceId is {gpu}, but CUDA is not available to TorchSharp: reference a CUDA backend " +
            "(build with -p:TorchSharpBackend=cuda-linux or cuda-windows), or set MLContext.FallbackToCpu = true.");
    }

    /// <summary>Logs an information line on ML.NET's channel (MLContext.Log).</summary>
    public void Info(string message) => _channel.Info(message);

    /// <summary>Logs a warning on ML.NET's channel (MLContext.Log).</summary>
    public void Warning(string message) => _channel.Warning(message);

    public void Dispose()
    {
        _channel.Dispose();
        _cancellation.Dispose();
    }
}
