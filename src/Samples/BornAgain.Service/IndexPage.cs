namespace BornAgain.Service;

/// <summary>The upload page (wwwroot/index.html, embedded in the assembly): no CDN, no external fetch.</summary>
internal static class IndexPage
{
    public static string Html { get; } = Read();

    private static string Read()
    {
        using var stream = typeof(IndexPage).Assembly.GetManifestResourceStream("BornAgain.Service.index.html")
            ?? throw new InvalidOperationException("The embedded page BornAgain.Service.index.html is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
