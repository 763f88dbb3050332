namespace BornAgain.Service;

/// <summary>
/// The scoring input: the uploaded file's encoded bytes, in the Born-Again transformer's image column (the column
/// name is set from the model through a SchemaDefinition, not from this property's name).
/// </summary>
public sealed class EncodedImageRow
{
    public byte[] Image { get; set; } = [];
}

/// <summary>The one output the service reads: the class probabilities (their slot names are the labels).</summary>
public sealed class ScoreRow
{
    public float[] Score { get; set; } = [];
}
