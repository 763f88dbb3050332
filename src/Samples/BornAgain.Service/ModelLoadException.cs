namespace BornAgain.Service;

/// <summary>The configured model file could not be served; the message names the file and the reason.</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
