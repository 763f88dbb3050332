namespace BornAgain.Service.Tests;

/// <summary>
/// The service in process (WebApplicationFactory), started on first use and shared by the tests: <see cref="Zip"/>
/// serves the assembly's trained model.zip, <see cref="Onnx"/> its ONNX export; both stopped by
/// <see cref="TrainedModel.Cleanup"/>.
/// </summary>
internal sealed class InProcessService
{
    private readonly Lazy<(ServiceFactory Factory, HttpClient Client)> _service;

    private InProcessService(Func<string> modelPath) =>
        _service = new(() =>
        {
            var factory = new ServiceFactory(modelPath());
            return (factory, factory.CreateClient());
        });

    /// <summary>The service serving <see cref="TrainedModel.ModelPath"/>.</summary>
    public static InProcessService Zip { get; } = new(() => TrainedModel.ModelPath);

    /// <summary>The service serving <see cref="TrainedModel.OnnxPath"/>.</summary>
    public static InProcessService Onnx { get; } = new(() => TrainedModel.OnnxPath);

    public HttpClient Client => _service.Value.Client;

    public void Stop()
    {
        if (!_service.IsValueCreated)
            return;
        _service.Value.Client.Dispose();
        _service.Value.Factory.Dispose();
    }
}
