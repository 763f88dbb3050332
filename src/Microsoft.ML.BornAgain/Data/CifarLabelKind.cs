namespace Microsoft.ML.BornAgain;

/// <summary>
/// Which CIFAR "binary version" record layout a file has and, for CIFAR-100, which of its two labels to use.
/// </summary>
public enum CifarLabelKind
{
    /// <summary>
    /// CIFAR-10: 3,073-byte records, 1 label byte (0..9) then 3,072 pixel bytes. Class names from
    /// <c>batches.meta.txt</c> beside the data file.
    /// </summary>
    Cifar10,

    /// <summary>
    /// CIFAR-100 with its 100 fine labels: 3,074-byte records, coarse label byte, fine label byte (0..99), then 3,072
    /// pixel bytes. Class names from <c>fine_label_names.txt</c> beside the data file.
    /// </summary>
    Cifar100Fine,

    /// <summary>
    /// CIFAR-100 with its 20 coarse labels (superclasses): the same records as <see cref="Cifar100Fine"/>, label from the
    /// first byte (0..19). Class names from <c>coarse_label_names.txt</c> beside the data file.
    /// </summary>
    Cifar100Coarse,
}
