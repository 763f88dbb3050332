using System.IO.Compression;

namespace Microsoft.ML.BornAgain.Tests.Serialization;

/// <summary>Reads and rewrites entries of a saved model.zip, for the tests that craft damaged or hostile files.</summary>
internal static class ModelZip
{
    /// <summary>Selects the entries whose full name ends with <paramref name="suffix"/>.</summary>
    public static Func<string, bool> EndingWith(string suffix) => name => name.EndsWith(suffix, StringComparison.Ordinal);

    /// <summary>The bytes of the single entry <paramref name="which"/> selects.</summary>
    public static byte[] Read(byte[] zip, Func<string, bool> which)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        using var stream = archive.Entries.Single(e => which(e.FullName)).Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>A copy of <paramref name="zip"/> whose entries selected by <paramref name="which"/> hold <paramref name="replacement"/>.</summary>
    public static byte[] Replace(byte[] zip, Func<string, bool> which, byte[] replacement)
    {
        using var output = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                using var input = entry.Open();
                using var written = target.CreateEntry(entry.FullName).Open();
                if (which(entry.FullName))
                    written.Write(replacement);
                else
                    input.CopyTo(written);
            }
        }
        return output.ToArray();
    }
}
