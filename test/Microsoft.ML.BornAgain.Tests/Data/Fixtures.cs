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

/// <summary>A fresh temporary folder for files a test damages on purpose; deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("bornagain-readers-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
