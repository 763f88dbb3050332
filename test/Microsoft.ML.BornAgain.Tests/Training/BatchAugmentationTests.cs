using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Training;

[TestClass]
public sealed class BatchAugmentationTests
{
    private static Tensor DistinctImages(int batch) => arange(batch * 2 * 10 * 10, ScalarType.Float32).view(batch, 2, 10, 10);

    [TestMethod]
    public void FlipOnly_EachImageIsItselfOrItsMirror_AndBothHappen()
    {
        using var scope = NewDisposeScope();
        var images = DistinctImages(64);
        var augmentation = new BatchAugmentation(padding: 0, horizontalFlip: true);
        using var generator = new Generator(3);

        var result = augmentation.Apply(images, generator);

        int flipped = 0;
        for (int i = 0; i < 64; i++)
        {
            bool same = result[i].SameAs(images[i]);
            bool mirrored = result[i].SameAs(images[i].flip(2));
            Assert.IsTrue(same ^ mirrored, $"image {i} must be unchanged or mirrored");
            flipped += mirrored ? 1 : 0;
        }
        Assert.IsTrue(flipped is > 16 and < 48, $"about half the images flip; {flipped} of 64 did");
    }

    [TestMethod]
    public void CropOnly_EachImageIsAWindowOfItsReflectionPaddedCopy()
    {
        using var scope = NewDisposeScope();
        var images = DistinctImages(16);
        var augmentation = new BatchAugmentation(padding: 2, horizontalFlip: false);
        using var generator = new Generator(5);

        var result = augmentation.Apply(images, generator);

        var padded = nn.functional.pad(images, new long[] { 2, 2, 2, 2 }, PaddingModes.Reflect);
        int moved = 0;
        for (int i = 0; i < 16; i++)
        {
            bool found = false;
            for (int dy = 0; dy <= 4 && !found; dy++)
            {
                for (int dx = 0; dx <= 4 && !found; dx++)
                    found = result[i].SameAs(padded[i, .., dy..(dy + 10), dx..(dx + 10)]);
            }

            Assert.IsTrue(found, $"image {i} is not a 10x10 window of its padded copy");
            moved += result[i].SameAs(images[i]) ? 0 : 1;
        }
        Assert.IsGreaterThan(8, moved, "most crops are off-centre");
    }

    [TestMethod]
    public void SameSeed_GivesSameBatch_OtherSeed_Differs()
    {
        using var scope = NewDisposeScope();
        var images = DistinctImages(32);
        var augmentation = new BatchAugmentation(padding: 4, horizontalFlip: true);
        using var g1 = new Generator(11);
        using var g2 = new Generator(11);
        using var g3 = new Generator(12);

        Assert.IsTrue(augmentation.Apply(images, g1).SameAs(augmentation.Apply(images, g2)));
        Assert.IsFalse(augmentation.Apply(images, g3).SameAs(augmentation.Apply(images, new Generator(11))));
    }
}
