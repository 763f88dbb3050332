using System.Diagnostics;
using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Tests.Serialization;

namespace Microsoft.ML.BornAgain.Tests.MLNet;

/// <summary>
/// A 20000 x 20000 1-bit PNG of about 50 KB (1.6 GB of RGBA, 4.8 GB of floats once decoded) as encoded image bytes:
/// refused from its header, in scoring and in training, with an error naming the column, the row and the size, while
/// the process's resident memory grows by less than 64 MB.
/// </summary>
[TestClass]
public sealed class ImageBombTests
{
    private const long MemoryBudget = 64L << 20;
    private static byte[] s_bomb = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void CraftTheBomb(TestContext _) => s_bomb = ImageBomb.Png(20000, 20000);

    [TestMethod]
    public void Bomb_IsSmall_AndItsHeaderSaysTwentyThousandSquared()
    {
        Assert.IsLessThan(200_000, s_bomb.Length, $"the crafted PNG has {s_bomb.Length} bytes");
        Assert.AreEqual((20000, 20000), Microsoft.ML.BornAgain.MLNet.EncodedImageHeader.TryReadSize(s_bomb));
    }

    [TestMethod]
    public void Scoring_ABomb_IsRefusedFromItsHeader()
    {
        var ml = new MLContext(seed: 1);
        using var transformer = HostileModelFileTests.Untrained(3, 3, (NetworkArchitecture.PreActResNet(8), NetworkArchitecture.PreActResNet(8)));
        var engine = ml.Model.CreatePredictionEngine<ImageBytesRow, ScoreOnly>(transformer);
        var real = File.ReadAllBytes(ImagePathRow.Load("test", 1)[0].ImagePath);
        Assert.HasCount(3, engine.Predict(new ImageBytesRow { Image = real }).Score, "a real image scores");

        var error = RefusedWithin(() => engine.Predict(new ImageBytesRow { Image = s_bomb }));

        StringAssert.Contains(error.Message, "Image column 'Image' at row");
        StringAssert.Contains(error.Message, "20000x20000 = 400000000 pixels");
        StringAssert.Contains(error.Message, "at most 16777216");
    }

    [TestMethod]
    public void Training_OnABomb_IsRefusedFromItsHeader_NamingTheRow()
    {
        var ml = new MLContext(seed: 1);
        var rows = ImagePathRow.Load("train", 2).Select(r => new ImageBytesRow { Image = File.ReadAllBytes(r.ImagePath), Label = r.Label }).ToList();
        rows.Insert(3, new ImageBytesRow { Image = s_bomb, Label = rows[0].Label });
        var data = ml.Data.LoadFromEnumerable(rows);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var options = TrainedPipeline.SmallOptions(generations: 0, epochs: 1);

        var error = RefusedWithin(() => ml.BornAgain().Train(options).Fit(keyed).Dispose());

        StringAssert.Contains(error.Message, "Image column 'Image' at row 3");
        StringAssert.Contains(error.Message, "20000x20000");
        StringAssert.Contains(error.Message, "MaxImagePixels");
    }

    [TestMethod]
    public void PixelLimit_IsConfigurable_InTheTransformer()
    {
        var ml = new MLContext(seed: 1);
        using var transformer = HostileModelFileTests.Untrained(3, 3, (NetworkArchitecture.PreActResNet(8), NetworkArchitecture.PreActResNet(8)));
        transformer.MaxImagePixels = 31 * 32; // one pixel short of the 32 x 32 test images
        var engine = ml.Model.CreatePredictionEngine<ImageBytesRow, ScoreOnly>(transformer);
        var real = File.ReadAllBytes(ImagePathRow.Load("test", 1)[0].ImagePath);

        var error = RefusedWithin(() => engine.Predict(new ImageBytesRow { Image = real }));

        StringAssert.Contains(error.Message, "32x32 = 1024 pixels; at most 992");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => transformer.MaxImagePixels = 0);
    }

    private sealed class ScoreOnly
    {
        public float[] Score { get; set; } = [];
    }

    private Exception RefusedWithin(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = ProcessMemory.ResidentBytes();
        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<Exception>(action).GetBaseException();
        long grown = ProcessMemory.ResidentBytes() - before;
        TestContext.WriteLine($"refused in {watch.Elapsed.TotalMilliseconds:F0} ms, resident memory +{grown / 1e6:F1} MB: {error.Message}");
        Assert.IsInstanceOfType<InvalidDataException>(error, error.ToString());
        Assert.IsLessThan(MemoryBudget, grown, $"resident memory grew by {grown / 1e6:F1} MB");
        return error;
    }
}
