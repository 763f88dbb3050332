using Google.Protobuf;
using Microsoft.ML.BornAgain.Onnx.Proto;

namespace BornAgain.Service;

/// <summary>
/// What the service needs from an exported Born-Again .onnx, read and checked before ONNX Runtime sees a byte of it:
/// the file is parsed as an <c>onnx.ModelProto</c> (Google.Protobuf, managed: a malformed file is an exception, not a
/// native crash), and only the model <c>BornAgainTransformer.ExportToOnnx</c> writes is accepted (docs/service.md):
/// <list type="bullet">
/// <item>one float32 input <c>[N, C, H, W]</c>, C 1 or 3, H and W from 1 to <see cref="MaxSide"/>;</item>
/// <item>a float32 output <c>Score</c> <c>[N, classes]</c> and the metadata <c>bornagain.labels</c> naming every class;</item>
/// <item>operators of the standard domain that the exporter writes, no subgraphs, functions or tensor attributes;</item>
/// <item>float32 and int64 initializers whose declared shape matches the bytes they hold (no huge declared sizes),
/// none stored outside the file (external data could make ONNX Runtime read any file on the machine).</item>
/// </list>
/// </summary>
public sealed record OnnxModelContract(string InputName, int Channels, int Height, int Width, IReadOnlyList<string> Labels,
    IReadOnlyList<GenerationInfo> Generations)
{
    /// <summary>The output of class probabilities.</summary>
    public const string ScoreName = "Score";

    /// <summary>The largest input height or width accepted (a network's input, not an upload's size).</summary>
    public const int MaxSide = 4096;

    /// <summary>The largest .onnx file read: protobuf's own limit for one message (2 GiB - 1).</summary>
    public const long MaxFileBytes = int.MaxValue;

    /// <summary>The most classes accepted (each has a label line and a score slot).</summary>
    public const int MaxClasses = 100_000;

    private static readonly HashSet<string> s_operators = new(StringComparer.Ordinal)
    {
        "Sub", "Div", "Conv", "BatchNormalization", "Relu", "Add", "Concat", "AveragePool", "GlobalAveragePool", "Flatten",
        "Gemm", "Softmax", "Mean", "ArgMax",
    };

    /// <summary>Parses and checks <paramref name="bytes"/>; <see cref="ModelLoadException"/> names the file and what is wrong.</summary>
    public static OnnxModelContract Read(byte[] bytes, string path)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Refused(path, $"it is not an ONNX model (an onnx.ModelProto protobuf message): {e.Message}");
        }
        var graph = model.Graph ?? throw Refused(path, $"it holds no graph ({bytes.Length} bytes; an ONNX model has a graph)");
        if (model.Functions.Count > 0 || graph.SparseInitializer.Count > 0)
            throw Refused(path, "it has model-local functions or sparse initializers, which the Born-Again export never writes");
        foreach (var node in graph.Node)
            CheckNode(node, path);
        var initializers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in graph.Initializer)
        {
            CheckInitializer(tensor, path);
            initializers.Add(tensor.Name);
        }

        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Count != 1)
            throw Refused(path, $"it has {inputs.Count} image inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); expected one, float32 [N, C, H, W]");
        var (channels, height, width) = ImageShape(inputs[0], path);

        var score = graph.Output.FirstOrDefault(o => o.Name == ScoreName)
            ?? throw Refused(path, $"it has no output '{ScoreName}' (outputs: {string.Join(", ", graph.Output.Select(o => $"'{o.Name}'"))})");
        long classes = ScoreClasses(score, path);

        var metadata = model.MetadataProps.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        if (!metadata.TryGetValue("bornagain.labels", out var labelText))
            throw Refused(path, "its metadata has no class names (bornagain.labels, written by ExportToOnnx when the label column has key values)");
        var labels = labelText.Split('\n');
        if (labels.Length != classes || labels.Any(string.IsNullOrEmpty) || labels.Distinct(StringComparer.Ordinal).Count() != labels.Length)
            throw Refused(path, $"its metadata bornagain.labels holds {labels.Length} lines for {classes} scores; expected one distinct, non-empty class name per score");
        return new OnnxModelContract(inputs[0].Name, channels, height, width, labels, ReadGenerations(metadata));
    }

    private static void CheckNode(NodeProto node, string path)
    {
        if (node.Domain is not ("" or "ai.onnx") || !s_operators.Contains(node.OpType))
        {
            throw Refused(path, $"node '{node.Name}' is the operator '{(node.Domain.Length == 0 ? "" : node.Domain + ".")}{node.OpType}', " +
                $"which the Born-Again export never writes (it writes {string.Join(", ", s_operators)})");
        }
        foreach (var attribute in node.Attribute)
        {
            if (attribute.T is not null || attribute.G is not null || attribute.Tensors.Count > 0 || attribute.Graphs.Count > 0
                || attribute.SparseTensor is not null || attribute.SparseTensors.Count > 0)
            {
                throw Refused(path, $"node '{node.Name}' has a tensor or graph attribute '{attribute.Name}', which the Born-Again export never writes");
            }
        }
    }

    /// <summary>Element type, declared shape and stored bytes agree, so nothing is allocated from a declared size alone.</summary>
    private static void CheckInitializer(TensorProto tensor, string path)
    {
        string name = $"initializer '{tensor.Name}'";
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
            throw Refused(path, $"{name} is stored outside the model file (external data); only self-contained models are served");
        var type = (TensorProto.Types.DataType)tensor.DataType;
        int elementBytes = type switch
        {
            TensorProto.Types.DataType.Float => 4,
            TensorProto.Types.DataType.Int64 => 8,
            _ => throw Refused(path, $"{name} has element type {type}; the Born-Again export writes Float and Int64 only"),
        };
        long count = 1;
        foreach (long dim in tensor.Dims)
        {
            if (dim < 0)
                throw Refused(path, $"{name} declares a negative dimension ({dim}) in [{string.Join(", ", tensor.Dims)}]");
            try
            {
                count = checked(count * dim);
            }
            catch (OverflowException)
            {
                throw Refused(path, $"{name} declares the shape [{string.Join(", ", tensor.Dims)}], more elements than a 64-bit count holds");
            }
        }
        long stored = tensor.RawData.Length > 0 ? tensor.RawData.Length / elementBytes
            : type == TensorProto.Types.DataType.Float ? tensor.FloatData.Count : tensor.Int64Data.Count;
        if (stored != count || (tensor.RawData.Length > 0 && tensor.RawData.Length % elementBytes != 0))
        {
            throw Refused(path, $"{name} declares the shape [{string.Join(", ", tensor.Dims)}] = {count} elements but holds " +
                $"{(tensor.RawData.Length > 0 ? $"{tensor.RawData.Length} bytes" : $"{stored} values")}");
        }
    }

    private static (int Channels, int Height, int Width) ImageShape(ValueInfoProto input, string path)
    {
        var dims = TensorDims(input, out var type);
        string found = $"{type} [{string.Join(", ", dims.Select(d => d?.ToString() ?? "N"))}]";
        string expected = $"expected float32 [N, C, H, W] with C 1 or 3 and H, W from 1 to {MaxSide}";
        if (type != TensorProto.Types.DataType.Float || dims.Count != 4 || dims[1] is not (1 or 3)
            || dims[2] is not (>= 1 and <= MaxSide) || dims[3] is not (>= 1 and <= MaxSide))
        {
            throw Refused(path, $"its input '{input.Name}' is {found}; {expected}");
        }
        return ((int)dims[1]!.Value, (int)dims[2]!.Value, (int)dims[3]!.Value);
    }

    private static long ScoreClasses(ValueInfoProto score, string path)
    {
        var dims = TensorDims(score, out var type);
        if (type != TensorProto.Types.DataType.Float || dims.Count != 2 || dims[1] is not (>= 2 and <= MaxClasses))
        {
            throw Refused(path, $"its output '{ScoreName}' is {type} [{string.Join(", ", dims.Select(d => d?.ToString() ?? "N"))}]; " +
                $"expected float32 [N, classes] with 2 to {MaxClasses} classes");
        }
        return dims[1]!.Value;
    }

    /// <summary>The tensor's dimensions (null for a symbolic or unknown one) and element type.</summary>
    private static List<long?> TensorDims(ValueInfoProto value, out TensorProto.Types.DataType type)
    {
        var tensor = value.Type?.TensorType;
        type = (TensorProto.Types.DataType)(tensor?.ElemType ?? 0);
        return tensor?.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : (long?)null).ToList() ?? [];
    }

    /// <summary>The scoring generations from the metadata; names and networks are empty when the export predates them.</summary>
    private static List<GenerationInfo> ReadGenerations(Dictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("bornagain.generations", out var indices) || indices.Length == 0)
            return [];
        string[] architectures = metadata.TryGetValue("bornagain.architectures", out var a) ? a.Split('\n') : [];
        string[] names = metadata.TryGetValue("bornagain.generation_names", out var n) ? n.Split('\n') : [];
        return indices.Split(',').Select((text, i) => new GenerationInfo(
                int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index) ? index : -1,
                i < architectures.Length ? architectures[i] : "",
                i < names.Length ? names[i] : ""))
            .ToList();
    }

    private static ModelLoadException Refused(string path, string reason) =>
        new($"Model file '{path}' cannot be served as a Born-Again ONNX model: {reason}.");
}
