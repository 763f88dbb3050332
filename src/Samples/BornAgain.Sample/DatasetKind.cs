namespace Microsoft.ML.BornAgain.Sample;

/// <summary>The on-disk layouts the sample reads, each through one of the library's loaders.</summary>
internal enum DatasetKind
{
    /// <summary><c>root/train/&lt;class&gt;/*.jpg|png</c> and <c>root/test/&lt;class&gt;/...</c> (LoadImageFolder).</summary>
    ImageFolder,

    /// <summary>CIFAR-10 binary version: <c>data_batch_*.bin</c> and <c>test_batch.bin</c> (LoadCifarBinary).</summary>
    Cifar10,

    /// <summary>CIFAR-100 binary version with the 100 fine labels: <c>train.bin</c> and <c>test.bin</c>.</summary>
    Cifar100,

    /// <summary>CIFAR-100 binary version with the 20 coarse labels (superclasses).</summary>
    Cifar100Coarse,

    /// <summary>MNIST-format idx files (gzipped or not): <c>train-images-idx3-ubyte</c>, <c>t10k-images-idx3-ubyte</c>, ...</summary>
    Mnist,
}
