namespace BornAgain.Service.Tests;

/// <summary>
/// The service in process serving the trained model's ONNX export (<see cref="TrainedModel.OnnxPath"/>), started on
/// first use and shared like <see cref="InProcessService"/>; stopped by <see cref="TrainedModel.Cleanup"/>.
/// </summary>
internal static class OnnxService
{
    private static readonly Lazy<(ServiceFactory Factory, HttpClient Client)> s_service = new(() =>
    {
        var factory = new ServiceFactory(TrainedModel.OnnxPath);
        return (factory, factory.CreateClient());
    });

    public static HttpClient Client => s_service.Value.Client;

    public static void Stop()
    {
        if (!s_service.IsValueCreated)
            return;
        s_service.Value.Client.Dispose();
        s_service.Value.Factory.Dispose();
    }
}
