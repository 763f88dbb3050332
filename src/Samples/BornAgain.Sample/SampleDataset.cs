
namespace Microsoft.ML.BornAgain.Sample;

/// <summary>
/// A training and a test split read with the library's loaders. Image folders give an <c>ImagePath</c> column that
/// the pipeline decodes with <c>LoadImages</c>; the binary formats give decoded images in an <c>Image</c> column.
/// </summary>
internal sealed class SampleDataset
{
    private SampleDataset(DatasetKind kind, string description, IReadOnlyList<ImageFolderEntry>? trainFiles,
        IReadOnlyList<ImageFolderEntry>? testFiles, ImageRecords? trainRecords, ImageRecords? testRecords)
    {
        Kind = kind;
        Description = description;
        TrainFiles = trainFiles;
        TestFiles = testFiles;
        TrainRecords = trainRecords;
        TestRecords = testRecords;
    }

    public DatasetKind Kind { get; }

    /// <summary>One line for the console and the report: where the data came from and how many images.</summary>
    public string Description { get; }

    /// <summary>Whether rows carry a file path (decoded by the pipeline's LoadImages) rather than an image.</summary>
    public bool HasImagePaths => TrainFiles is not null;

    public IReadOnlyList<ImageFolderEntry>? TrainFiles { get; }

    public IReadOnlyList<ImageFolderEntry>? TestFiles { get; }

    public ImageRecords? TrainRecords { get; }

    public ImageRecords? TestRecords { get; }

    public int TestCount => TestFiles?.Count ?? TestRecords!.Count;

    /// <summary>The training split as an IDataView of <paramref name="ml"/>: Label plus ImagePath or Image.</summary>
    public IDataView Train(MLContext ml) =>
        TrainFiles is not null ? ml.Data.LoadFromEnumerable(TrainFiles) : ml.Data.LoadFromImageRecords(TrainRecords!);

    /// <summary>The test split, with the same columns as <see cref="Train"/>.</summary>
    public IDataView Test(MLContext ml) =>
        TestFiles is not null ? ml.Data.LoadFromEnumerable(TestFiles) : ml.Data.LoadFromImageRecords(TestRecords!);

    /// <summary>The label of test image <paramref name="index"/>.</summary>
    public string TestLabel(int index) =>
        TestFiles is not null ? TestFiles[index].Label : TestRecords!.ClassNames[TestRecords.Labels[index]];

    /// <summary>
    /// Whether training flips images horizontally: CIFAR's objects look right mirrored, digits do not. MNIST-format
    /// files do not say whether they hold digits or Fashion-MNIST's clothes, so all of them train without flips.
    /// </summary>
    public bool FlipsHorizontally => Kind != DatasetKind.Mnist;

    /// <summary>Training images in the set (the test split is never cut).</summary>
    public int TrainCount => TrainFiles?.Count ?? TrainRecords!.Count;

    /// <summary>
    /// The same data set with at most <paramref name="count"/> training images, the same number from every class
    /// (the first ones of each class in the file's order; classes that run short leave their quota unused).
    /// </summary>
    public SampleDataset WithTrainingSubset(int count)
    {
        if (count >= TrainCount)
            return this;
        int[] labels = TrainFiles is not null
            ? LabelIndices(TrainFiles.Select(f => f.Label).ToList())
            : TrainRecords!.Labels;
        int classes = labels.Max() + 1;
        var taken = new int[classes];
        var keep = new List<int>(count);
        for (int i = 0; i < labels.Length && keep.Count < count; i++)
        {
            // Quotas differ by at most one image: classes 0..(count % classes - 1) get the extra one.
            int quota = count / classes + (labels[i] < count % classes ? 1 : 0);
            if (taken[labels[i]]++ < quota)
                keep.Add(i);
        }
        string description = $"{Description} (first {keep.Count:N0} training images, {count / classes:N0}+ per class)";
        if (TrainFiles is not null)
            return new SampleDataset(Kind, description, keep.Select(i => TrainFiles[i]).ToList(), TestFiles, null, null);
        var records = TrainRecords!;
        int imageBytes = records.Channels * records.Height * records.Width;
        var pixels = new byte[keep.Count * imageBytes];
        for (int k = 0; k < keep.Count; k++)
            Array.Copy(records.Pixels, (long)keep[k] * imageBytes, pixels, (long)k * imageBytes, imageBytes);
        var subset = new ImageRecords(pixels, keep.Select(i => records.Labels[i]).ToArray(), records.ClassNames,
            records.Channels, records.Height, records.Width);
        return new SampleDataset(Kind, description, null, null, subset, TestRecords);
    }

    private static int[] LabelIndices(IReadOnlyList<string> names)
    {
        var index = names.Distinct().Order(StringComparer.Ordinal).Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i);
        return names.Select(n => index[n]).ToArray();
    }

    /// <summary>Reads the splits of <paramref name="kind"/> under <paramref name="path"/>; throws naming the missing file.</summary>
    public static SampleDataset Load(string path, DatasetKind kind)
    {
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"Dataset folder '{path}' (option --data) does not exist.");
        switch (kind)
        {
            case DatasetKind.ImageFolder:
                var train = ImageFolderReader.ReadEntries(Path.Combine(path, "train"));
                var test = ImageFolderReader.ReadEntries(Path.Combine(path, "test"));
                return new SampleDataset(kind, Describe(path, kind, train.Count, test.Count, train.Select(e => e.Label).Distinct().Count()),
                    train, test, null, null);
            case DatasetKind.Cifar10:
                var batches = Directory.GetFiles(path, "data_batch_*.bin").Order(StringComparer.Ordinal).ToList();
                if (batches.Count == 0)
                    throw new FileNotFoundException($"No CIFAR-10 training file 'data_batch_*.bin' in '{path}'.");
                return FromRecords(path, kind,
                    CifarBinaryReader.ReadRecords(batches, CifarLabelKind.Cifar10),
                    CifarBinaryReader.ReadRecords(Path.Combine(path, "test_batch.bin"), CifarLabelKind.Cifar10));
            case DatasetKind.Cifar100:
            case DatasetKind.Cifar100Coarse:
                var labels = kind == DatasetKind.Cifar100 ? CifarLabelKind.Cifar100Fine : CifarLabelKind.Cifar100Coarse;
                return FromRecords(path, kind,
                    CifarBinaryReader.ReadRecords(Path.Combine(path, "train.bin"), labels),
                    CifarBinaryReader.ReadRecords(Path.Combine(path, "test.bin"), labels));
            case DatasetKind.Mnist:
                return FromRecords(path, kind,
                    MnistIdxReader.ReadRecords(IdxFile(path, "train-images-idx3-ubyte"), IdxFile(path, "train-labels-idx1-ubyte")),
                    MnistIdxReader.ReadRecords(IdxFile(path, "t10k-images-idx3-ubyte"), IdxFile(path, "t10k-labels-idx1-ubyte")));
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown dataset kind (option --kind).");
        }
    }

    private static SampleDataset FromRecords(string path, DatasetKind kind, ImageRecords train, ImageRecords test) =>
        new(kind, Describe(path, kind, train.Count, test.Count, train.ClassNames.Count), null, null, train, test);

    private static string Describe(string path, DatasetKind kind, int train, int test, int classes) =>
        $"{kind} at {ShippedData.RepositoryRelative(path)}: {train:N0} training and {test:N0} test images, {classes} classes";

    /// <summary>The idx file, gzipped (<c>.gz</c>) or not.</summary>
    private static string IdxFile(string folder, string name)
    {
        string plain = Path.Combine(folder, name);
        if (File.Exists(plain))
            return plain;
        if (File.Exists(plain + ".gz"))
            return plain + ".gz";
        throw new FileNotFoundException($"MNIST file '{name}' (or '{name}.gz') not found in '{folder}'.", plain);
    }
}
