using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Serialization;

/// <summary>
/// Checks a weights entry in TorchSharp's state_dict format (<c>Module.save</c>) against the network it is meant
/// for, before TorchSharp reads it: the entry count, every name, element type and shape, and the byte length must
/// match exactly. TorchSharp's own loader trusts declared sizes (a damaged rank allocates a huge array); after this
/// check it only ever reads what the network already holds.
/// </summary>
/// <remarks>
/// Format: LEB128 entry count; per entry: a .NET BinaryWriter string (7-bit length, UTF-8) name, LEB128 element
/// type, LEB128 rank, LEB128 dimensions, then the raw little-endian element bytes.
/// </remarks>
internal static class StateDictValidator
{
    public static void Validate(ReadOnlySpan<byte> blob, nn.Module<Tensor, Tensor> network, int generation) =>
        Validate(blob, network, generation, "the model file");

    /// <summary>Validates weights read from <paramref name="source"/> ("the model file", "the checkpoint"), named in errors.</summary>
    public static void Validate(ReadOnlySpan<byte> blob, nn.Module<Tensor, Tensor> network, int generation, string source)
    {
        try
        {
            ValidateCore(blob, network, generation);
        }
        catch (InvalidDataException e) when (source != "the model file")
        {
            throw new InvalidDataException(e.Message.Replace("in the model file", "in " + source, StringComparison.Ordinal));
        }
    }

    private static void ValidateCore(ReadOnlySpan<byte> blob, nn.Module<Tensor, Tensor> network, int generation)
    {
        var expected = network.state_dict();
        int offset = 0;
        long count = ReadLeb128(blob, ref offset, generation);
        if (count != expected.Count)
            throw Mismatch(generation, offset, $"{count} tensors, the network has {expected.Count}");

        foreach (var (name, tensor) in expected)
        {
            string found = ReadName(blob, ref offset, generation);
            if (found != name)
                throw Mismatch(generation, offset, $"tensor '{Shorten(found)}' where the network has '{name}'");
            long dtype = ReadLeb128(blob, ref offset, generation);
            if (dtype != (long)tensor.dtype)
                throw Mismatch(generation, offset, $"tensor '{name}' of element type {dtype}, the network's is {tensor.dtype}");
            long rank = ReadLeb128(blob, ref offset, generation);
            if (rank != tensor.shape.Length)
                throw Mismatch(generation, offset, $"tensor '{name}' of rank {rank}, the network's is {tensor.shape.Length}");
            foreach (long dimension in tensor.shape)
            {
                long declared = ReadLeb128(blob, ref offset, generation);
                if (declared != dimension)
                    throw Mismatch(generation, offset, $"tensor '{name}' of shape with {declared} where the network has {dimension}");
            }
            long bytes = tensor.numel() * tensor.ElementSize;
            if (blob.Length - offset < bytes)
                throw Mismatch(generation, offset, $"tensor '{name}' truncated: {bytes} bytes needed, {blob.Length - offset} left");
            offset += (int)bytes;
        }
        if (offset != blob.Length)
            throw Mismatch(generation, offset, $"{blob.Length - offset} unexpected bytes after the last tensor");
    }

    private static long ReadLeb128(ReadOnlySpan<byte> blob, ref int offset, int generation)
    {
        long result = 0;
        for (int shift = 0; shift < 63; shift += 7)
        {
            if (offset >= blob.Length)
                throw Mismatch(generation, offset, "the entry ends inside a number");
            byte b = blob[offset++];
            result |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return result;
        }
        throw Mismatch(generation, offset, "a number is too long");
    }

    private static string ReadName(ReadOnlySpan<byte> blob, ref int offset, int generation)
    {
        // BinaryWriter.Write(string): a 7-bit encoded byte length, then UTF-8 bytes.
        long length = ReadLeb128(blob, ref offset, generation);
        if (length > 1024 || length > blob.Length - offset)
            throw Mismatch(generation, offset, $"a tensor name of {length} bytes");
        string name = System.Text.Encoding.UTF8.GetString(blob.Slice(offset, (int)length));
        offset += (int)length;
        return name;
    }

    private static string Shorten(string name) => name.Length <= 80 ? name : name[..80] + "...";

    private static InvalidDataException Mismatch(int generation, int offset, string problem) =>
        new($"The weights of generation {generation} in the model file do not match its architecture at byte {offset}: {problem}.");
}
