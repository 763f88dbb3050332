namespace BornAgain.Service.Tests;

/// <summary>
/// The service in process (WebApplicationFactory) serving the assembly's trained model, started on first use and
/// shared by the endpoint and bad-request tests; stopped by <see cref="TrainedModel.Cleanup"/>.
/// </summary>
internal static class InProcessService
{
    private static readonly Lazy<(ServiceFactory Factory, HttpClient Client)> s_service = new(() =>
    {
        var factory = new ServiceFactory(TrainedModel.ModelPath);
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
