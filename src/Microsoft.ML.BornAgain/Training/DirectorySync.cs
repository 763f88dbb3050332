using System.Runtime.InteropServices;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Makes a rename durable on POSIX systems: after <c>rename(2)</c> the new directory entry may still be only in the
/// page cache, and a power loss could bring back the old file (or none). <c>fsync</c> on the directory writes it.
/// Windows has no such step (<see cref="File.Move(string, string, bool)"/> is MoveFileEx with write-through semantics
/// for the entry), so nothing is done there.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY

    /// <summary>Flushes <paramref name="directory"/>'s entries to disk; best effort (some file systems refuse it).</summary>
    public static void Flush(string directory)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
            return;
        int descriptor = Open(directory, ReadOnly);
        if (descriptor < 0)
            return;
        try
        {
            _ = Fsync(descriptor); // EINVAL on file systems without directory sync: the rename itself has succeeded.
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int descriptor);
}
