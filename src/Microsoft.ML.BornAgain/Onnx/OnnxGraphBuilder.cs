using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.BornAgain.Onnx.Proto;

namespace Microsoft.ML.BornAgain.Onnx;

/// <summary>
/// Appends ONNX nodes and float initializers to a <see cref="GraphProto"/>, naming every intermediate value uniquely.
/// Each method returns the name of the value it produced, so layers chain like function calls.
/// </summary>
internal sealed class OnnxGraphBuilder : IOnnxGraph
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _valueCount;

    public OnnxGraphBuilder(string graphName)
    {
        Graph = new GraphProto { Name = graphName };
    }

    public GraphProto Graph { get; }

    /// <inheritdoc/>
    public string Initializer(string name, float[] values, long[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (count != values.Length)
            throw new ArgumentException($"Initializer '{name}' has {values.Length} values for shape [{string.Join(", ", dims)}].");
        Reserve(name);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        if (BitConverter.IsLittleEndian)
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())); // raw_data is little-endian by the spec
        else
            tensor.FloatData.AddRange(values);
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <inheritdoc/>
    public string Initializer(string name, long[] values, long[] dims)
    {
        Reserve(name);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
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

    /// <inheritdoc/>
    public string Node(string opType, IReadOnlyList<string> inputs, IReadOnlyList<OnnxAttribute>? attributes = null, string? outputName = null)
    {
        string output = outputName ?? $"{opType.ToLowerInvariant()}_{_valueCount++}";
        Reserve(output);
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        if (attributes is not null)
            node.Attribute.AddRange(attributes.Select(ToProto));
        Graph.Node.Add(node);
        return output;
    }

    private static AttributeProto ToProto(OnnxAttribute attribute)
    {
        var proto = new AttributeProto { Name = attribute.Name };
        if (attribute.Int is long i)
        {
            proto.Type = AttributeProto.Types.AttributeType.Int;
            proto.I = i;
        }
        else if (attribute.Float is float f)
        {
            proto.Type = AttributeProto.Types.AttributeType.Float;
            proto.F = f;
        }
        else
        {
            proto.Type = AttributeProto.Types.AttributeType.Ints;
            proto.Ints.AddRange(attribute.Ints ?? throw new ArgumentException($"Attribute '{attribute.Name}' has no value."));
        }
        return proto;
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
