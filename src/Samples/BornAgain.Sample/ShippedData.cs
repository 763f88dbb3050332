namespace Microsoft.ML.BornAgain.Sample;

/// <summary>Finds the dataset shipped in the repository, wherever `dotnet run` was started from.</summary>
internal static class ShippedData
{
    /// <summary>
    /// The first existing <paramref name="relativePath"/> under the current directory, the program's directory or
    /// one of their parents (bin/Release/net10.0 sits four levels below the repository root).
    /// </summary>
    public static string Locate(string relativePath)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                string candidate = Path.Combine(folder.FullName, relativePath);
                if (Directory.Exists(candidate))
                    return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            $"The shipped dataset '{relativePath}' was not found above '{Directory.GetCurrentDirectory()}' or " +
            $"'{AppContext.BaseDirectory}'. Run from the repository, or pass --data.");
    }

    /// <summary>
    /// <paramref name="path"/> relative to the repository root (the folder holding BornAgain.ML.sln) when it lies inside
    /// the repository, with '/' separators; otherwise ".../" and the folder's own name. Reports written into docs/ so
    /// name no machine's folders.
    /// </summary>
    public static string RepositoryRelative(string path)
    {
        var full = Path.GetFullPath(path);
        for (var folder = new DirectoryInfo(full); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "BornAgain.ML.sln")))
                return Path.GetRelativePath(folder.FullName, full).Replace('\\', '/');
        }
        return ".../" + Path.GetFileName(Path.TrimEndingDirectorySeparator(full));
    }
}
