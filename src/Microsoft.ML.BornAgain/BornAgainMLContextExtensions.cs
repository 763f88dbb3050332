using Microsoft.ML.BornAgain;

namespace Microsoft.ML;

/// <summary>The entry point of Born-Again training: <c>mlContext.BornAgain()</c>.</summary>
public static class BornAgainMLContextExtensions
{
    /// <summary>The catalog of Born-Again Network trainers.</summary>
    public static BornAgainCatalog BornAgain(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new BornAgainCatalog(mlContext);
    }
}
