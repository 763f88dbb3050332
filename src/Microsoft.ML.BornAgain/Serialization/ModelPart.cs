namespace Microsoft.ML.BornAgain.Serialization;

/// <summary>
/// Our part of the transformer's <c>Model.key</c> entry: the bytes between the payload header and the end of the
/// model blob that ML.NET's header declares. Reading it whole lets the loader (1) check its SHA-256 before parsing a
/// single field, (2) bound what it reads by the declared length, and (3) leave ML.NET's reader exactly at the end of
/// the blob, as ML.NET requires after the loader returns, even when a newer writer appended fields this build does not
/// know.
/// </summary>
internal static class ModelPart
{
    // ML.NET's fixed ModelHeader (Microsoft.ML.Core, Data/ModelHeader.cs, explicit layout, part of the file format):
    // FpModel (int64, the blob's offset from the header) at byte 16 and CbModel (int64, the blob's length) at byte 24.
    private const int FpModelOffset = 16;
    private const int CbModelOffset = 24;

    /// <summary>
    /// Reads the rest of the model blob from the reader's position to its end (which it leaves the reader at), refusing
    /// more than <paramref name="maxBytes"/> before allocating anything.
    /// </summary>
    /// <exception cref="InvalidDataException">The header's offsets are inconsistent or the part is too large.</exception>
    public static byte[] ReadToEnd(ModelLoadContext ctx, long maxBytes)
    {
        var stream = ctx.Reader.BaseStream;
        long position = stream.Position;
        stream.Position = ctx.FpMin + FpModelOffset;
        Span<byte> offsets = stackalloc byte[16];
        stream.ReadExactly(offsets);
        long fpModel = BitConverter.ToInt64(offsets[..8]);
        long cbModel = BitConverter.ToInt64(offsets[8..]);
        stream.Position = position;

        long end = ctx.FpMin + fpModel + cbModel;
        long remaining = end - position;
        if (fpModel < 0 || cbModel < 0 || end > stream.Length || remaining < 0)
        {
            throw new InvalidDataException(
                $"The Born-Again model in this file is damaged: its entry declares a model blob of {cbModel} bytes at offset " +
                $"{fpModel}, which does not fit the {stream.Length}-byte entry.");
        }
        if (remaining > maxBytes)
        {
            throw new InvalidDataException(
                $"The Born-Again model in this file is damaged or hostile: its settings take {remaining} bytes; at most " +
                $"{maxBytes} are accepted.");
        }
        var bytes = new byte[remaining];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
