namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>The data sets the study knows: where each comes from and how it is read.</summary>
internal enum StudyDataset
{
    /// <summary>Fashion-MNIST (60,000 + 10,000 28x28 gray images) from Debian's <c>dataset-fashion-mnist</c> package.</summary>
    FashionMnist,

    /// <summary>The 5,000 + 1,000 CIFAR-10 JPEGs shipped with the sample.</summary>
    Cifar10Subset,

    /// <summary>The full CIFAR-10 binary version (<c>--cifar10-folder</c>).</summary>
    Cifar10,

    /// <summary>The full CIFAR-100 binary version, fine labels (<c>--cifar100-folder</c>).</summary>
    Cifar100,
}

/// <summary>Where the study's data sets live and how they are loaded, with errors that say how to get them.</summary>
/// <param name="FashionMnistFolder">Folder of the Fashion-MNIST idx files.</param>
/// <param name="Cifar10Folder">Folder of CIFAR-10's <c>data_batch_*.bin</c> and <c>test_batch.bin</c>, if given.</param>
/// <param name="Cifar100Folder">Folder of CIFAR-100's <c>train.bin</c> and <c>test.bin</c>, if given.</param>
internal sealed record StudyDataSources(string FashionMnistFolder, string? Cifar10Folder, string? Cifar100Folder)
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string DebianFashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>
    /// Checks that <paramref name="dataset"/> is present before anything trains, so that a missing package stops the
    /// study at once rather than after an hour of the other data set.
    /// </summary>
    public void CheckAvailable(StudyDataset dataset)
    {
        switch (dataset)
        {
            case StudyDataset.FashionMnist:
                bool present = Directory.Exists(FashionMnistFolder) && Directory.EnumerateFiles(FashionMnistFolder, "train-images-idx3-ubyte*").Any();
                if (!present)
                {
                    throw new DirectoryNotFoundException(
                        $"Fashion-MNIST was not found in '{FashionMnistFolder}'. Install Debian's package 'dataset-fashion-mnist' " +
                        "(sudo apt-get install dataset-fashion-mnist), or pass --fashion-mnist-folder with the four idx files, " +
                        "or leave it out with --dataset Cifar10Subset.");
                }

                break;
            case StudyDataset.Cifar10:
                if (Cifar10Folder is null)
                    throw new ArgumentException("--dataset Cifar10 needs --cifar10-folder (the folder of data_batch_*.bin and test_batch.bin).");
                break;
            case StudyDataset.Cifar100:
                if (Cifar100Folder is null)
                    throw new ArgumentException("--dataset Cifar100 needs --cifar100-folder (the folder of train.bin and test.bin).");
                break;
        }
    }

    /// <summary>Reads <paramref name="dataset"/> with the library's loaders.</summary>
    public SampleDataset Load(StudyDataset dataset)
    {
        CheckAvailable(dataset);
        return dataset switch
        {
            StudyDataset.FashionMnist => SampleDataset.Load(FashionMnistFolder, DatasetKind.Mnist),
            StudyDataset.Cifar10Subset => SampleDataset.Load(ShippedData.Locate(SampleCommand.ShippedDataFolder), DatasetKind.ImageFolder),
            StudyDataset.Cifar10 => SampleDataset.Load(Cifar10Folder!, DatasetKind.Cifar10),
            StudyDataset.Cifar100 => SampleDataset.Load(Cifar100Folder!, DatasetKind.Cifar100),
            _ => throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "Unknown data set (option --dataset)."),
        };
    }
}
