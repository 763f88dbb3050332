using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Training;

[TestClass]
public sealed class BatchAugmentationTests
{
    /// <summary>Images whose every pixel value is distinct, [N, H, W, C] as the dataset stores them.</summary>
    private static Tensor DistinctPixels(int count, int size, int channels, ScalarType type) =>
        type == ScalarType.Byte
            ? randint(256, new long[] { count, size, size, channels }, ScalarType.Byte, generator: new Generator(1))
            : arange(count * size * size * channels, ScalarType.Float32).view(count, size, size, channels);

    /// <summary>
    /// The augmentation as its definition reads, image by image: pad (reflection, or zeros when the padding is not
    /// smaller than the image), take the window at the drawn offset, mirror it when drawn; with the draws made in
    /// the order the library makes them.
    /// </summary>
    private static Tensor Reference(Tensor pixels, Tensor indices, int padding, bool flip, long seed)
    {
        using var generator = new Generator((ulong)seed);
        long batch = indices.shape[0], size = pixels.shape[1];
        Tensor? offsetY = null, offsetX = null, flipped = null;
        if (padding > 0)
        {
            offsetY = randint(2 * padding + 1, new long[] { batch, 1 }, ScalarType.Int64, generator: generator);
            offsetX = randint(2 * padding + 1, new long[] { batch, 1 }, ScalarType.Int64, generator: generator);
        }

        if (flip)
        {
            using Scalar half = 0.5;
            flipped = rand(new long[] { batch, 1, 1, 1 }, generator: generator).lt(half);
        }
        var images = new List<Tensor>();
        for (int i = 0; i < batch; i++)
        {
            var image = pixels[indices[i].item<long>()].permute(2, 0, 1).to_type(ScalarType.Float64).unsqueeze(0); // [1, C, H, W]
            if (padding > 0)
            {
                var mode = padding < size ? PaddingModes.Reflect : PaddingModes.Zeros;
                long y = offsetY![i, 0].item<long>(), x = offsetX![i, 0].item<long>();
                image = nn.functional.pad(image, new long[] { padding, padding, padding, padding }, mode)
                    [.., .., (int)y..(int)(y + size), (int)x..(int)(x + size)];
            }

            if (flipped is not null && flipped[i, 0, 0, 0].item<bool>())
                image = image.flip(3);
            images.Add(image);
        }
        return cat(images, 0).to_type(pixels.dtype); // [B, C, H, W]
    }

    [TestMethod]
    [DataRow(0, true, ScalarType.Float32)]
    [DataRow(4, false, ScalarType.Float32)]
    [DataRow(4, true, ScalarType.Float32)]
    [DataRow(4, true, ScalarType.Byte)]
    [DataRow(12, true, ScalarType.Byte)] // padding >= the 10-pixel side: zero padding
    [DataRow(0, false, ScalarType.Byte)]
    public void Apply_IsTheCropAndFlipOfTheSelectedImages_AsDefined(int padding, bool flip, ScalarType type)
    {
        using var scope = NewDisposeScope();
        var pixels = DistinctPixels(20, 10, 3, type);
        var indices = tensor(new long[] { 7, 0, 19, 3, 3, 12, 5, 8, 1, 16, 2, 9, 4, 11, 6, 18 });
        var augmentation = new BatchAugmentation(padding, flip);

        for (long seed = 1; seed <= 5; seed++)
        {
            using var generator = new Generator((ulong)seed);
            var batch = augmentation.Apply(pixels, indices, generator);

            Assert.AreEqual(type, batch.dtype);
            Assert.IsTrue(batch.SameAs(Reference(pixels, indices, padding, flip, seed)), $"seed {seed}");
            Assert.IsTrue(ChannelsLastLayout.IsChannelsLast(batch), "the batch is handed on channels-last, without another copy");
        }
    }

    [TestMethod]
    public void Apply_OneChannel_KeepsChannelsLastStrides()
    {
        using var scope = NewDisposeScope();
        var pixels = DistinctPixels(8, 12, 1, ScalarType.Byte);
        using var generator = new Generator(2);

        var batch = new BatchAugmentation(4, true).Apply(pixels, arange(8L), generator);

        Assert.IsTrue(ChannelsLastLayout.IsChannelsLast(batch), $"strides [{string.Join(", ", batch.stride())}]");
        Assert.IsTrue(batch.SameAs(Reference(pixels, arange(8L), 4, true, 2)));
    }

    [TestMethod]
    public void CropAndFlip_MoveMostImages()
    {
        using var scope = NewDisposeScope();
        var pixels = DistinctPixels(64, 10, 2, ScalarType.Float32);
        using var generator = new Generator(3);

        var batch = new BatchAugmentation(padding: 2, horizontalFlip: true).Apply(pixels, arange(64L), generator);

        int unchanged = 0, mirrored = 0;
        for (int i = 0; i < 64; i++)
        {
            var original = pixels[i].permute(2, 0, 1);
            unchanged += batch[i].SameAs(original) ? 1 : 0;
            mirrored += batch[i].SameAs(original.flip(2)) ? 1 : 0;
        }
        // Only a centred crop (1 in 25) can leave an image itself or its exact mirror.
        Assert.IsLessThan(12, unchanged + mirrored, $"{unchanged} unchanged, {mirrored} mirrored");
    }

    [TestMethod]
    public void SameSeed_GivesSameBatch_OtherSeed_Differs()
    {
        using var scope = NewDisposeScope();
        var pixels = DistinctPixels(32, 10, 3, ScalarType.Byte);
        var indices = arange(32L);
        var augmentation = new BatchAugmentation(padding: 4, horizontalFlip: true);
        using var g1 = new Generator(11);
        using var g2 = new Generator(11);
        using var g3 = new Generator(12);

        Assert.IsTrue(augmentation.Apply(pixels, indices, g1).SameAs(augmentation.Apply(pixels, indices, g2)));
        Assert.IsFalse(augmentation.Apply(pixels, indices, g3).SameAs(augmentation.Apply(pixels, indices, new Generator(11))));
    }
}
