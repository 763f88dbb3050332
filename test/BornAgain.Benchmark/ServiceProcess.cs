using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;

namespace BornAgain.Benchmark;

/// <summary>
/// The scoring service (src/Samples/BornAgain.Service) as a child process serving a model.zip on a free loopback
/// port: started as <c>dotnet BornAgain.Service.dll</c> from its build output, ready once <c>GET /healthz</c>
/// answers, killed (with any children) on <see cref="Dispose"/>, which the caller reaches on failure too, or when this
/// process gets SIGTERM, SIGHUP or SIGINT (a SIGKILL of this process would leave it running).
/// Its console output is kept (the last lines) so that a service that does not start says why.
/// </summary>
internal sealed class ServiceProcess : IDisposable
{
    private const int KeptLines = 60;
    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly PosixSignalRegistration[] _signals;
    private int _disposed;

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        // This process ended by a signal (SIGTERM from a timeout, SIGHUP, SIGINT) takes the service with it; the
        // signal's default action (ending this process) follows the handler.
        _signals = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGINT }
            .Select(signal => PosixSignalRegistration.Create(signal, _ => Dispose()))];
    }

    /// <summary>The service's base address, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Address { get; }

    /// <summary>The service's peak resident memory so far (VmHWM), in MB.</summary>
    public double PeakRssMB => ProcessMemory.PeakMBOf(_process.Id);

    /// <summary>Starts the service on <paramref name="modelPath"/> and waits until /healthz answers 200.</summary>
    public static ServiceProcess Start(string modelPath, TimeSpan startTimeout)
    {
        string dll = LocateOrBuild();
        int port = FreeLoopbackPort();
        var start = new ProcessStartInfo(DotnetHost())
        {
            // The service reads its appsettings.json from the working directory (the content root).
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { dll, "--model", Path.GetFullPath(modelPath), "--urls", $"http://127.0.0.1:{port}" })
            start.ArgumentList.Add(argument);
        var process = new Process { StartInfo = start };
        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => service.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => service.Keep(e.Data);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            service.WaitUntilHealthy(startTimeout);
            return service;
        }
        catch
        {
            service.Dispose();
            throw;
        }
    }

    /// <summary>Kills the service if it still runs and waits for it to be gone; a second call does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        foreach (var registration in _signals)
            registration.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started: nothing to kill.
        }
        _process.Dispose();
    }

    private void WaitUntilHealthy(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw Failure($"The scoring service exited with code {_process.ExitCode} before answering /healthz.");
            try
            {
                using var response = client.GetAsync("healthz").GetAwaiter().GetResult();
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet (or busy loading the model).
            }
            if (waited.Elapsed > timeout)
                throw Failure($"The scoring service did not answer {Address}healthz within {timeout.TotalSeconds:0} s.");
            Thread.Sleep(250);
        }
    }

    private InvalidOperationException Failure(string message)
    {
        _process.WaitForExit(1000); // lets the last output lines arrive when it has exited
        string[] lines;
        lock (_output)
            lines = [.. _output];
        return new InvalidOperationException(
            $"{message}\nCommand: {_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}\n"
            + $"Its last output (stdout and stderr):\n{string.Join('\n', lines)}");
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > KeptLines)
                _output.Dequeue();
        }
    }

    /// <summary>
    /// The service's BornAgain.Service.dll in its project's bin/&lt;configuration&gt;/&lt;framework&gt;/ folder, with the
    /// benchmark's own configuration and framework. The benchmark's ProjectReference builds it first; when the
    /// output is missing all the same (the benchmark's dll run on its own after a clean), it is built here, once.
    /// </summary>
    private static string LocateOrBuild()
    {
        var assembly = typeof(ServiceProcess).Assembly;
        string configuration = assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        string framework = assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "TargetFramework").Value!;
        string projectFolder = Path.Combine(BenchmarkSettings.RepositoryRoot(), "src", "Samples", "BornAgain.Service");
        string dll = Path.Combine(projectFolder, "bin", configuration, framework, "BornAgain.Service.dll");
        if (File.Exists(dll))
            return dll;

        var build = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "build", Path.Combine(projectFolder, "BornAgain.Service.csproj"), "-c", configuration, "-nologo" })
            build.ArgumentList.Add(argument);
        using var process = Process.Start(build) ?? throw new InvalidOperationException("Could not start dotnet build.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(dll))
        {
            throw new InvalidOperationException(
                $"Building the scoring service did not give {dll} (exit code {process.ExitCode}).\n{stdout}\n{stderr.Result}");
        }

        return dll;
    }

    /// <summary>The dotnet host running this program (so the service gets the same runtimes), else dotnet from PATH.</summary>
    private static string DotnetHost()
    {
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
            return self;
        // The shared runtime lives in <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        string runtime = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? "";
        string candidate = Path.GetFullPath(Path.Combine(runtime, "..", "..", "..", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"));
        return File.Exists(candidate) ? candidate : "dotnet";
    }

    /// <summary>A loopback port free at the time of the call (the OS picks it; released again for the service to bind).</summary>
    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
