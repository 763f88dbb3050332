namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>
/// Exceptions worded as ML.NET's own (<c>Contracts.ExceptSchemaMismatch</c> and friends, which are internal), so a
/// user sees the same messages as from a built-in trainer.
/// </summary>
internal static class SchemaErrors
{
    public const string InputSchemaParameter = "inputSchema";

    public static ArgumentOutOfRangeException ColumnNotFound(string kind, string columnName) =>
        new(InputSchemaParameter, $"Could not find {kind} column '{columnName}'");

    public static ArgumentOutOfRangeException Mismatch(string kind, string columnName, string expected, object? found, string? hint = null) =>
        new(InputSchemaParameter,
            $"Schema mismatch for {kind} column '{columnName}': expected {expected}, got {found}" + (hint is null ? "" : $" — {hint}"));
}
