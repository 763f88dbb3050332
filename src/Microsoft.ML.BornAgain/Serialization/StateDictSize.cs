using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Serialization;

/// <summary>
/// The exact byte length of a network's weights entry in TorchSharp's state_dict format (<c>Module.save</c>), from
/// the network itself: every parameter AND buffer (batch-norm running mean and variance, <c>num_batches_tracked</c>),
/// with its name, element type and shape. A model file's weights entry is read up to this length and no further.
/// </summary>
/// <remarks>The layout is the one <see cref="StateDictValidator"/> checks, byte for byte.</remarks>
internal static class StateDictSize
{
    /// <summary>Bytes <c>network.save</c> writes; computed without writing anything.</summary>
    public static long Of(nn.Module<Tensor, Tensor> network)
    {
        var entries = network.state_dict();
        long bytes = Leb128Length(entries.Count);
        foreach (var (name, tensor) in entries)
        {
            int nameBytes = System.Text.Encoding.UTF8.GetByteCount(name);
            bytes = checked(bytes + Leb128Length(nameBytes) + nameBytes + Leb128Length((long)tensor.dtype)
                + Leb128Length(tensor.shape.Length) + tensor.shape.Sum(Leb128Length) + tensor.numel() * tensor.ElementSize);
        }
        return bytes;
    }

    private static long Leb128Length(long value)
    {
        long length = 1;
        for (ulong rest = (ulong)value >> 7; rest != 0; rest >>= 7)
            length++;
        return length;
    }
}
