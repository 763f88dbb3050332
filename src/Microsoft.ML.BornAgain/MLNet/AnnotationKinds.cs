namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>ML.NET's annotation names (its <c>AnnotationUtils.Kinds</c> is internal; the strings are its public contract).</summary>
internal static class AnnotationKinds
{
    public const string KeyValues = "KeyValues";
    public const string SlotNames = "SlotNames";
    public const string ScoreColumnKind = "ScoreColumnKind";
    public const string ScoreValueKind = "ScoreValueKind";
}
