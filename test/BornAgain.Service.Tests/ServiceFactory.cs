using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BornAgain.Service.Tests;

/// <summary>The service in process, serving <paramref name="modelPath"/> with a small body limit for the 413 test.</summary>
internal sealed class ServiceFactory(string modelPath, long maxBodyBytes = ServiceFactory.MaxBodyBytes) : WebApplicationFactory<Program>
{
    public const long MaxBodyBytes = 256 * 1024;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Model:Path", modelPath);
        builder.UseSetting("Predict:MaxBodyBytes", maxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
