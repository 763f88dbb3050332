namespace Microsoft.ML.BornAgain.Data;

/// <summary>Class-name files (one name per line, line i names label i) and the fallback names "0".."n-1".</summary>
internal static class ClassNamesFile
{
    /// <summary>
    /// Reads <paramref name="path"/> if it exists, else returns "0".."<paramref name="classCount"/>-1". Blank lines at
    /// the end are ignored (CIFAR-10's <c>batches.meta.txt</c> ends with one); any other count than
    /// <paramref name="classCount"/> is an error.
    /// </summary>
    public static IReadOnlyList<string> ReadOrNumbers(string path, int classCount)
    {
        if (!File.Exists(path))
        {
            return Numbers(classCount);
        }

        var lines = File.ReadAllLines(path).Select(line => line.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        if (lines.Count != classCount)
        {
            throw new InvalidDataException(
                $"Class-name file '{path}' must have {classCount} names, one per line; found {lines.Count} (byte offset 0).");
        }

        int blank = lines.FindIndex(line => line.Length == 0);
        if (blank >= 0)
        {
            throw new InvalidDataException($"Class-name file '{path}' has an empty name on line {blank + 1} (label {blank}).");
        }

        return lines.AsReadOnly();
    }

    /// <summary>"0", "1", ..., the names used when a data set comes without class names.</summary>
    public static IReadOnlyList<string> Numbers(int classCount) =>
        Enumerable.Range(0, classCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList().AsReadOnly();
}
