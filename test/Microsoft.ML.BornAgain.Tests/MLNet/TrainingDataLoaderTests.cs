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
        const long FloatPicture = sizeof(float) * 3L * Width * Height;
        var ml = new MLContext(seed: 1);
        using var folder = new TempFolder("bornagain-large-pictures-");
        var rows = Enumerable.Range(0, 36).Select(i =>
        {
            string path = folder.File($"{i}.png");
            File.WriteAllBytes(path, ImageBomb.NoisePng(Width, Height, seed: i));
            return new ImagePathRow { ImagePath = path, Label = i % 2 == 0 ? "a" : "b" };
        }).ToList();
        Read(ml, rows[..2]).Data.Dispose(); // warm-up: decoders and kernels load once

        // What the loader keeps: the live managed and C-heap bytes, sampled as the loader asks for each row.
        // Garbage, and freed pages not yet given back to the system, do not enter this measure, so it does not
        // depend on when the collector or malloc return memory.
        if (ProcessMemory.LiveBytes() is null)
            Assert.Inconclusive("The live C-heap bytes cannot be read here (glibc's mallinfo2).");
        var live = new List<long>();
        using (var data = Read(ml, rows, onRow: _ => live.Add(ProcessMemory.LiveBytes()!.Value)).Data)
        {
            live.Add(ProcessMemory.LiveBytes()!.Value);
            Assert.AreEqual(ScalarType.Byte, data.ChannelsLastPixels.dtype);
            CollectionAssert.AreEqual(new long[] { 36, 32, 32, 3 }, data.ChannelsLastPixels.shape);
            long growth = live.Skip(12).Max() - live[12];
            TestContext.WriteLine($"live memory after 12 pictures, then at most {growth / 1e6:+0.0;-0.0} MB more over the next 24");
            // Holding the 24 later pictures at their own size would keep 432 MB as floats, 108 MB as bytes; at
            // the input size they take 74 KB.
            Assert.IsLessThan(24 * FloatPicture / 16, growth, "the loader keeps pictures beyond the input size");
        }

        // And the peak, garbage included, stays below what holding every picture as floats would take.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = ProcessMemory.ResidentBytes();
        if (!ProcessMemory.TryResetPeak())
            Assert.Inconclusive("The peak resident memory cannot be reset here (/proc/self/clear_refs).");
        using (Read(ml, rows).Data)
        {
            long peakGrowth = ProcessMemory.PeakResidentBytes() - before;
            TestContext.WriteLine($"peak resident memory while reading 36 pictures: +{peakGrowth / 1e6:F0} MB");
            Assert.IsLessThan(36 * FloatPicture, peakGrowth, "reading 36 pictures peaked above holding them all as floats");
        }
    }

    /// <summary>Reads the rows as a user's pipeline gives them: image files loaded as bytes, labels mapped to keys.</summary>
    private static (ImageTensorDataset Data, ImageShape Shape) Read(MLContext ml, List<ImagePathRow> rows, Action<int>? onRow = null)
    {
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadRawImageBytes("Image", null, nameof(ImagePathRow.ImagePath)));
        var data = pipeline.Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(Observed(rows, onRow)));
        var binding = ImageColumnBinding.Bind(data.Schema, "Image", null);
        var read = TrainingDataLoader.Read(data, binding, "Label", 2, new TrainingDataLoader.RequestedShape(null, 32, 32),
            "training data", CancellationToken.None);
        Assert.AreEqual(new ImageShape(3, 32, 32), read.Shape);
        return read;
    }

    /// <summary>The rows, calling <paramref name="onRow"/> with each row's index as the loader asks for it.</summary>
    private static IEnumerable<ImagePathRow> Observed(List<ImagePathRow> rows, Action<int>? onRow)
    {
        for (int i = 0; i < rows.Count; i++)
        {
            onRow?.Invoke(i);
            yield return rows[i];
        }
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
