using System.Reflection;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

internal static class Schemas
{
    private static readonly MethodInfo s_create = typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.NonPublic, new[] { typeof(DataViewSchema) })
        ?? throw new InvalidOperationException("ML.NET's internal SchemaShape.Create(DataViewSchema) is gone.");

    /// <summary>ML.NET's own DataViewSchema-to-SchemaShape conversion (internal, so called by reflection in tests only).</summary>
    public static SchemaShape ToShape(DataViewSchema schema) => (SchemaShape)s_create.Invoke(null, new object[] { schema })!;
}
