using System.Diagnostics;
using System.Text;

namespace BornAgain.Service.Tests;

/// <summary>`dotnet BornAgain.Service.dll --model ... --urls http://127.0.0.1:0`, its URL read from its log.</summary>
internal sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServiceProcess(string modelPath)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { TestPaths.ServiceDll, "--model", modelPath, "--urls", "http://127.0.0.1:0" })
            start.ArgumentList.Add(argument);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_log)
                _log.AppendLine(e.Data);
            const string marker = "Now listening on: ";
            int at = e.Data.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
                listening.TrySetResult(e.Data[(at + marker.Length)..].Trim());
        };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("the service exited:\n" + Log));
        _process.EnableRaisingEvents = true;
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!listening.Task.Wait(TimeSpan.FromMinutes(1)))
            throw new TimeoutException("the service did not start listening within a minute:\n" + Log);
        Url = listening.Task.Result;
    }

    public string Url { get; }

    /// <summary>The service's process id (its /proc/PID/maps lists the native libraries it loaded).</summary>
    public int ProcessId => _process.Id;

    private string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public static ServiceProcess Start(string modelPath) => new(modelPath);

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }
}
