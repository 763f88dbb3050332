using System.Runtime.InteropServices;
using System.Text;

namespace Microsoft.ML.BornAgain.Package.Tests;

/// <summary>Whether this host needs TorchSharp's native fix (Linux x64 with a libstdc++ older than GCC 13's).</summary>
internal static class NativeFixFacts
{
    private static readonly string[] HostLibStdCxxPaths =
    [
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
    ];

    public static bool HostLacksGlibcxx3432()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
            return false;
        var path = HostLibStdCxxPaths.FirstOrDefault(File.Exists);
        if (path is null)
            return false;
        var needle = Encoding.ASCII.GetBytes("GLIBCXX_3.4.32\0");
        return File.ReadAllBytes(path).AsSpan().IndexOf(needle) < 0;
    }
}
