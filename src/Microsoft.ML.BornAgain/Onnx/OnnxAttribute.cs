namespace Microsoft.ML.BornAgain.Onnx;

/// <summary>A node attribute: an integer, a float or a list of integers (all the graphs here need).</summary>
internal sealed record OnnxAttribute(string Name, long? Int = null, float? Float = null, long[]? Ints = null)
{
    public static OnnxAttribute Integer(string name, long value) => new(name, Int: value);

    public static OnnxAttribute Single(string name, float value) => new(name, Float: value);

    public static OnnxAttribute Integers(string name, params long[] values) => new(name, Ints: values);
}
