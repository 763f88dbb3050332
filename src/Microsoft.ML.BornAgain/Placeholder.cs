namespace Microsoft.ML.BornAgain;

internal static class Placeholder
{
}
