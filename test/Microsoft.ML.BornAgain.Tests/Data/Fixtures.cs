namespace Microsoft.ML.BornAgain.Tests.Data;

/// <summary>Paths of the shipped reader fixtures (Data/Fixtures, copied next to the test assembly).</summary>
internal static class Fixtures
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "Data", "Fixtures");

    public static string Cifar10Batch => Path.Combine(Root, "cifar-10", "data_batch_1.bin");

    public static string Cifar100Train => Path.Combine(Root, "cifar-100", "train.bin");

    public static string FashionImages => Path.Combine(Root, "fashion-mnist", "t10k-images-idx3-ubyte");

    public static string FashionLabels => Path.Combine(Root, "fashion-mnist", "t10k-labels-idx1-ubyte");

    public static string ImageFolder => Path.Combine(Root, "image-folder");

    public static readonly string[] Cifar10Names =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
}
