namespace Microsoft.ML.BornAgain.Onnx;

/// <summary>
/// Where the Born-Again graph is written: a standalone ONNX model (<see cref="OnnxGraphBuilder"/>) or ML.NET's own
/// ONNX export of a whole pipeline (MLNet/OnnxContextGraph). Both name values uniquely and return the names.
/// </summary>
internal interface IOnnxGraph
{
    /// <summary>Adds a float32 constant of shape <paramref name="dims"/>; returns its name (made unique from <paramref name="name"/>).</summary>
    string Initializer(string name, float[] values, long[] dims);

    /// <summary>Adds an int64 constant of shape <paramref name="dims"/>; returns its name.</summary>
    string Initializer(string name, long[] values, long[] dims);

    /// <summary>
    /// Adds a node with one output: <paramref name="outputName"/> when given (a value the caller declared), else a
    /// fresh name derived from <paramref name="opType"/>; returns the output's name.
    /// </summary>
    string Node(string opType, IReadOnlyList<string> inputs, IReadOnlyList<OnnxAttribute>? attributes = null, string? outputName = null);
}
