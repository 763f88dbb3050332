using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.BornAgain.Onnx.Proto;

namespace Microsoft.ML.BornAgain.Onnx;

/// <summary>
/// Appends ONNX nodes and float initializers to a <see cref="GraphProto"/>, naming every intermediate value uniquely.
/// Each method returns the name of the value it produced, so layers chain like function calls.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _valueCount;

    public OnnxGraphBuilder(string graphName)
    {
        Graph = new GraphProto { Name = graphName };
    }

    public GraphProto Graph { get; }

    /// <summary>Adds a float32 initializer of <paramref name="dims"/> holding <paramref name="values"/>; returns its name.</summary>
    public string Initializer(string name, ReadOnlySpan<float> values, IReadOnlyList<long> dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (count != values.Length)
            throw new ArgumentException($"Initializer '{name}' has {values.Length} values for shape [{string.Join(", ", dims)}].");
        Reserve(name);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        if (BitConverter.IsLittleEndian)
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)); // raw_data is little-endian by the spec
        else
            tensor.FloatData.AddRange(values.ToArray());
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Declares a graph input of element type float32; a null dimension is symbolic (<paramref name="symbolicDimension"/>).</summary>
    public void Input(string name, IReadOnlyList<long?> dims, string symbolicDimension, string documentation)
    {
        Reserve(name);
        Graph.Input.Add(ValueInfo(name, TensorProto.Types.DataType.Float, dims, symbolicDimension, documentation));
    }

    /// <summary>Declares a graph output; a null dimension is symbolic (<paramref name="symbolicDimension"/>).</summary>
    public void Output(string name, TensorProto.Types.DataType elementType, IReadOnlyList<long?> dims, string symbolicDimension,
        string documentation) =>
        Graph.Output.Add(ValueInfo(name, elementType, dims, symbolicDimension, documentation));

    /// <summary>Adds a node of <paramref name="opType"/> with one output, named <paramref name="outputName"/> or a fresh name.</summary>
    public string Node(string opType, IEnumerable<string> inputs, IEnumerable<AttributeProto>? attributes = null, string? outputName = null)
    {
        string output = outputName ?? $"{opType.ToLowerInvariant()}_{_valueCount++}";
        Reserve(output);
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        if (attributes is not null)
            node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private void Reserve(string name)
    {
        if (!_names.Add(name))
            throw new InvalidOperationException($"The ONNX graph already has a value named '{name}'.");
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType elementType, IReadOnlyList<long?> dims,
        string symbolicDimension, string documentation)
    {
        var shape = new TensorShapeProto();
        foreach (long? dim in dims)
        {
            shape.Dim.Add(dim is long value
                ? new TensorShapeProto.Types.Dimension { DimValue = value }
                : new TensorShapeProto.Types.Dimension { DimParam = symbolicDimension });
        }
        return new ValueInfoProto
        {
            Name = name,
            DocString = documentation,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape } },
        };
    }
}
