using Microsoft.ML.BornAgain.MLNet;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.MLNet;

/// <summary>
/// Training data is held at the network's input size, as bytes for decoded images, from the moment each row is read:
/// a set of large photos costs its input size, not its pictures' size.
/// </summary>
[TestClass]
public sealed class TrainingDataLoaderTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void LargePictures_AreHeldAtTheInputSize_AsBytes_SoMemoryDoesNotGrowWithTheirNumber()
    {
        const int Width = 1500, Height = 1000; // 1.5 megapixels of random colour noise: 18 MB each as floats
        var ml = new MLContext(seed: 1);
        var pictures = Enumerable.Range(0, 36).Select(i => ImageBomb.NoisePng(Width, Height, seed: i)).ToArray();
        Read(ml, pictures[..2]).Data.Dispose(); // warm-up: decoders and kernels load once

        var (few, fewGrowth) = PeakGrowthWhileReading(ml, pictures[..12]);
        var (many, manyGrowth) = PeakGrowthWhileReading(ml, pictures);

        using (few)
        using (many)
        {
            TestContext.WriteLine($"peak resident memory: +{fewGrowth / 1e6:F0} MB reading 12 pictures, +{manyGrowth / 1e6:F0} MB reading 36");
            Assert.AreEqual(ScalarType.Byte, many.ChannelsLastPixels.dtype);
            CollectionAssert.AreEqual(new long[] { 36, 32, 32, 3 }, many.ChannelsLastPixels.shape);
            // Holding the 24 more pictures at their own size would take 24 x 18 MB = 432 MB more; at the input size, 74 KB.
            // What remains is the decoders' garbage, which the loader collects every 64 MB of pictures (measured on a
            // 2-core AMD EPYC, 2026-12-02: +87 MB for 12 pictures, +226 MB for 36).
            Assert.IsLessThan(fewGrowth + (200L << 20), manyGrowth,
                $"reading 36 pictures peaked {(manyGrowth - fewGrowth) / 1e6:F0} MB above reading 12");
        }
    }

    private static (ImageTensorDataset Data, ImageShape Shape) Read(MLContext ml, byte[][] pictures)
    {
        var rows = pictures.Select((p, i) => new ImageBytesRow { Image = p, Label = i % 2 == 0 ? "a" : "b" }).ToList();
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows))
            .Transform(ml.Data.LoadFromEnumerable(rows));
        var binding = ImageColumnBinding.Bind(data.Schema, "Image", null);
        return TrainingDataLoader.Read(data, binding, "Label", 2, new TrainingDataLoader.RequestedShape(null, 32, 32),
            "training data", CancellationToken.None);
    }

    private static (ImageTensorDataset Data, long PeakGrowth) PeakGrowthWhileReading(MLContext ml, byte[][] pictures)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = ProcessMemory.ResidentBytes();
        if (!ProcessMemory.TryResetPeak())
            Assert.Inconclusive("The peak resident memory cannot be reset here (/proc/self/clear_refs).");
        var (data, shape) = Read(ml, pictures);
        Assert.AreEqual(new ImageShape(3, 32, 32), shape);
        return (data, ProcessMemory.PeakResidentBytes() - before);
    }

    [TestMethod]
    public void ResizedImage_HasWholeByteValues_AndAGrayscalePictureKeepsItsExactPlane()
    {
        var noise = ImageBomb.NoisePng(50, 40, seed: 3);
        using var picture = MLImage.CreateFromStream(new MemoryStream(noise));
        var decoded = ImageRowReader.FromMLImage(picture);
        var resized = new float[3 * 32 * 32];

        NetworkInputConverter.Write(decoded, new ImageShape(3, 32, 32), resized);

        Assert.IsTrue(resized.All(v => v == MathF.Round(v) && v is >= 0 and <= 255), "resized 8-bit pixels stay whole bytes");
        Assert.IsTrue(resized.Any(v => v != 0 && v != 255), "and are not all clamped");

        var gray = decoded with { Pixels = decoded.Pixels[..(40 * 50)].Concat(decoded.Pixels[..(40 * 50)]).Concat(decoded.Pixels[..(40 * 50)]).ToArray(), IsGrayscale = true };
        var plane = new float[40 * 50];
        NetworkInputConverter.Write(gray, new ImageShape(1, 40, 50), plane);
        CollectionAssert.AreEqual(decoded.Pixels[..(40 * 50)], plane, "R = G = B is its own plane, not a rounded luma");
    }
}
