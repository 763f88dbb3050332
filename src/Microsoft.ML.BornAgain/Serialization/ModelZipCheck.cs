using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Microsoft.ML.BornAgain.Serialization;

/// <summary>
/// Checks an ML.NET model zip before ML.NET opens it (<see cref="UntrustedModel"/>): ML.NET extracts each entry it
/// opens to a temporary file without a size cap, and loads the assembly and class each entry's header names. This
/// check reads the zip's central directory (into memory, as <see cref="ZipArchive"/> does, before the entry count is
/// checked) and streams every entry once through a fixed buffer, refusing:
/// <list type="bullet">
/// <item>more than <see cref="MaxEntries"/> entries, or an entry name that is absolute, climbs (<c>..</c>) or uses
/// characters ML.NET never writes;</item>
/// <item>an entry larger than <see cref="MaxEntryBytes"/>, more than <see cref="MaxTotalBytes"/> in all, an entry that
/// inflates more than <see cref="MaxCompressionRatio"/> times its compressed size (a zip bomb), or one whose data
/// inflates past the size the directory declares;</item>
/// <item>a <c>Model.key</c> whose ML.NET header names a loader assembly other than ML.NET's own
/// (<c>Microsoft.ML*</c>) or this library's.</item>
/// </list>
/// </summary>
internal static partial class ModelZipCheck
{
    public const int MaxEntries = 10_000;
    public const long MaxEntryBytes = 1280L << 20;   // a weights entry of the largest generation accepted (2^28 floats) fits
    public const long MaxTotalBytes = 6L << 30;      // the 2^30 parameters accepted in all, with room for the rest
    public const double MaxCompressionRatio = 100;   // float weights deflate about 1.1:1; zeros 1000:1
    private const long RatioCheckedFrom = 1L << 20;  // small entries (headers, text) may compress well

    // ML.NET's ModelHeader (Microsoft.ML.Core, Data/ModelHeader.cs; part of the file format): the signature at byte 0,
    // FpAssemblyName and CbAssemblyName (int64 each) at bytes 144 and 152, relative to the header's start; the name is
    // UTF-16.
    private const ulong HeaderSignature = 0x4C45444F4D004C4D; // "ML\0MODEL"
    private const int AssemblyNameOffset = 144;

    /// <summary>Checks the zip in <paramref name="stream"/> (seekable) and rewinds it.</summary>
    /// <exception cref="InvalidDataException">What is wrong, the entry it is in, and the limit.</exception>
    public static void Check(Stream stream, string source)
    {
        long start = stream.Position;
        try
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            if (archive.Entries.Count > MaxEntries)
                throw Refused(source, $"it has {archive.Entries.Count} entries; at most {MaxEntries} are accepted");
            long total = 0;
            foreach (var entry in archive.Entries)
            {
                CheckName(entry.FullName, source);
                if (entry.Length > MaxEntryBytes)
                    throw Refused(source, $"entry '{entry.FullName}' declares {entry.Length} bytes; at most {MaxEntryBytes} are accepted per entry");
                total += entry.Length;
                if (total > MaxTotalBytes)
                    throw Refused(source, $"its entries declare {total} bytes or more; at most {MaxTotalBytes} are accepted in all");
                if (entry.Length > RatioCheckedFrom && entry.Length > MaxCompressionRatio * Math.Max(1, entry.CompressedLength))
                    throw Refused(source, $"entry '{entry.FullName}' inflates {entry.CompressedLength} bytes to {entry.Length}; at most {MaxCompressionRatio}:1 is accepted");
                CheckData(entry, source);
            }
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("The model file", StringComparison.Ordinal))
        {
            throw Refused(source, $"it is not a readable zip ({e.Message.TrimEnd('.')})");
        }
        finally
        {
            stream.Position = start;
        }
    }

    private static void CheckName(string name, string source)
    {
        if (name.Length > 260 || !EntryName().IsMatch(name) || name.Split('/', '\\').Any(segment => segment is "." or ".."))
            throw Refused(source, $"entry name '{Shorten(name)}' is not one ML.NET writes (relative, letters, digits, '_', '-', '.', '/')");
    }

    /// <summary>Inflates the entry into nothing, counting: its data must not pass its declared length.</summary>
    private static void CheckData(ZipArchiveEntry entry, string source)
    {
        using var data = entry.Open();
        var buffer = new byte[81920];
        long read = 0;
        var header = new byte[256];
        int headerBytes = 0;
        int n;
        while ((n = data.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (headerBytes < header.Length)
            {
                int copy = Math.Min(n, header.Length - headerBytes);
                Array.Copy(buffer, 0, header, headerBytes, copy);
                headerBytes += copy;
            }
            read += n;
            if (read > entry.Length)
                throw Refused(source, $"entry '{entry.FullName}' inflates past the {entry.Length} bytes it declares");
            if (entry.FullName.EndsWith("Model.key", StringComparison.Ordinal) && read == n && headerBytes == header.Length)
                CheckLoaderAssembly(entry, header, source);
        }
    }

    /// <summary>The loader assembly a <c>Model.key</c> names must be ML.NET's or this library's.</summary>
    private static void CheckLoaderAssembly(ZipArchiveEntry entry, byte[] header, string source)
    {
        if (BitConverter.ToUInt64(header, 0) != HeaderSignature)
            throw Refused(source, $"entry '{entry.FullName}' does not start with ML.NET's model header");
        long offset = BitConverter.ToInt64(header, AssemblyNameOffset);
        long length = BitConverter.ToInt64(header, AssemblyNameOffset + 8);
        if (offset == 0 && length == 0)
            return; // no assembly named: ML.NET looks the loader up among the assemblies already loaded
        if (offset < header.Length || length < 0 || length > 1024 || length % 2 != 0 || offset + length > entry.Length)
            throw Refused(source, $"entry '{entry.FullName}' has a damaged ML.NET header (loader assembly name of {length} bytes at {offset})");
        // The name lies after the header: read it from a second pass over the entry (it is small and near the start).
        using var data = entry.Open();
        var bytes = new byte[offset + length];
        data.ReadExactly(bytes);
        string assembly = Encoding.Unicode.GetString(bytes, (int)offset, (int)length);
        string simpleName = assembly.Split(',')[0].Trim();
        if (!(simpleName == ModelFormat.LoaderAssemblyName || simpleName == "Microsoft.ML" || simpleName.StartsWith("Microsoft.ML.", StringComparison.Ordinal)))
            throw Refused(source, $"entry '{entry.FullName}' asks ML.NET to load its loader from assembly '{Shorten(assembly)}'; only Microsoft.ML assemblies and {ModelFormat.LoaderAssemblyName} are accepted");
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex EntryName();

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";

    private static InvalidDataException Refused(string source, string problem) =>
        new($"The model file {source} was refused before ML.NET opened it: {problem}.");
}
