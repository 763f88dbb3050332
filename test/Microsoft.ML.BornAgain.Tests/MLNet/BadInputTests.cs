using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.Tests.MLNet;

/// <summary>
/// Bad data and bad options: each gets a .NET exception that names the column or option, what was expected and
/// what was found; no native crash, no hang, no silently wrong model.
/// </summary>
[TestClass]
public sealed class BadInputTests
{
    private const int Side = 8;
    private const int PixelCount = 3 * Side * Side;

    public sealed class KeyedPixels
    {
        /// <summary>0-based class; ML.NET stores key k + 1 and maps values outside [0, 3) to the missing key 0.</summary>
        [KeyType(3)]
        public uint Label { get; set; }

        [VectorType(PixelCount)]
        public float[] Image { get; set; } = new float[PixelCount];
    }

    private static BornAgainTrainer.Options PixelOptions()
    {
        var options = TrainedPipeline.SmallOptions(generations: 0, epochs: 1);
        (options.ImageChannels, options.ImageHeight, options.ImageWidth) = (3, Side, Side);
        return options;
    }

    /// <summary>Real pixels: the top-left 8x8 corner of real CIFAR images, channel-planar.</summary>
    private static List<KeyedPixels> RealPixelRows(int count)
    {
        var files = TestImages.Files("train", TestImages.ThreeClasses, (count + 2) / 3);
        return files.Take(count).Select((f, i) =>
        {
            using var image = MLImage.CreateFromFile(f.Path);
            var decoded = Microsoft.ML.BornAgain.MLNet.ImageRowReader.FromMLImage(image);
            var pixels = new float[PixelCount];
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < Side; y++)
                {
                    for (int x = 0; x < Side; x++)
                        pixels[(c * Side + y) * Side + x] = decoded.Pixels[(c * 32 + y) * 32 + x];
                }
            }

            return new KeyedPixels { Label = (uint)(i % 3), Image = pixels };
        }).ToList();
    }

    private static Exception FitFails<TException>(IEnumerable<KeyedPixels> rows) where TException : Exception
    {
        var ml = new MLContext(seed: 1);
        return Assert.ThrowsExactly<TException>(() => ml.BornAgain().Train(PixelOptions()).Fit(ml.Data.LoadFromEnumerable(rows)));
    }

    [TestMethod]
    public void LabelOutsideTheKeyRangeOrMissing_NamesColumnAndRow()
    {
        var rows = RealPixelRows(9);
        rows[4].Label = 7; // outside the key type's 3 classes: ML.NET reads it as the missing key
        var error = FitFails<InvalidDataException>(rows);
        StringAssert.Contains(error.Message, "Label column 'Label' of the training data has a missing value at row 4");
    }

    [TestMethod]
    public void NonFinitePixel_NamesColumnRowAndValue()
    {
        var rows = RealPixelRows(9);
        rows[5].Image[17] = float.PositiveInfinity;
        var error = FitFails<InvalidDataException>(rows);
        StringAssert.Contains(error.Message, "Image column 'Image' at row 5 has a non-finite pixel value");
        StringAssert.Contains(error.Message, "at index 17");
    }

    [TestMethod]
    public void BatchSizeLargerThanTheData_Trains()
    {
        var ml = new MLContext(seed: 1);
        var options = PixelOptions();
        options.BatchSize = 1000;
        using var model = ml.BornAgain().Train(options).Fit(ml.Data.LoadFromEnumerable(RealPixelRows(9)));
        Assert.HasCount(1, model.Generations[0].Epochs);
    }

    [TestMethod]
    public void CorruptOrTruncatedImageBytes_NameColumnAndRow()
    {
        var ml = new MLContext(seed: 1);
        var rows = ImagePathRow.Load("train", 2).Select(r => new ImageBytesRow { Image = File.ReadAllBytes(r.ImagePath), Label = r.Label }).ToList();
        var random = new Random(3);
        random.NextBytes(rows[1].Image);                 // not an image at all
        rows[3].Image = rows[3].Image[..40];             // a JPEG cut inside its header
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label");

        foreach (int bad in new[] { 1, 3 })
        {
            var subset = rows.Where((_, i) => i == bad || i % 2 == 0).ToList();
            var data = ml.Data.LoadFromEnumerable(subset);
            var error = Assert.ThrowsExactly<InvalidDataException>(() =>
                keyed.Append(ml.BornAgain().Train(TrainedPipeline.SmallOptions(0, 1))).Fit(data));
            StringAssert.Contains(error.Message, "Image column 'Image' at row");
            StringAssert.Contains(error.Message, "not a decodable image");
        }
    }

    [TestMethod]
    public void MissingImageFile_NamesColumnRowAndFile()
    {
        var ml = new MLContext(seed: 1);
        var rows = ImagePathRow.Load("train", 2);
        rows[2].ImagePath = Path.Combine(Path.GetTempPath(), "no-such-image-" + Guid.NewGuid() + ".jpg");
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.BornAgain().Train(TrainedPipeline.SmallOptions(0, 1)));

        var error = Assert.ThrowsExactly<InvalidDataException>(() => pipeline.Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(error.Message, "Image column 'Image' at row 2");
    }

    [TestMethod]
    public void ImagesOfMixedSizesAndChannelCounts_AreConvertedToTheNetworkInput()
    {
        var ml = new MLContext(seed: 1);
        var rows = ImagePathRow.Load("train", 4).Select(r => new ImageBytesRow { Image = File.ReadAllBytes(r.ImagePath), Label = r.Label }).ToList();
        rows[1].Image = EncodeGrayscaleCorner(rows[1].Image, 16); // a 16x16 grayscale PNG among 32x32 colour JPEGs
        rows[5].Image = EncodeGrayscaleCorner(rows[5].Image, 20);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.BornAgain().Train(TrainedPipeline.SmallOptions(0, 1)));

        var model = pipeline.Fit(ml.Data.LoadFromEnumerable(rows));
        var bornAgain = model.LastTransformer;
        Assert.AreEqual((3, 32, 32), (bornAgain.Model.InputChannels, bornAgain.Model.InputHeight, bornAgain.Model.InputWidth));
        var scores = model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToList();
        Assert.IsTrue(scores.All(s => s.Length == 3 && Math.Abs(s.Sum() - 1) < 1e-4));
        bornAgain.Dispose();
    }

    [TestMethod]
    public void ScoringInputWithAnotherSchema_IsRejectedByName()
    {
        var ml = new MLContext(seed: 1);
        using var model = ml.BornAgain().Train(PixelOptions()).Fit(ml.Data.LoadFromEnumerable(RealPixelRows(9)));

        var noImage = ml.Data.LoadFromEnumerable(new[] { new { Label = 1u, Picture = "x" } });
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(noImage));
        StringAssert.Contains(missing.Message, "Could not find image column 'Image'");

        var textImage = ml.Data.LoadFromEnumerable(new[] { new { Image = "cat.jpg" } });
        var mismatch = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.GetOutputSchema(textImage.Schema));
        StringAssert.Contains(mismatch.Message, "Schema mismatch for image column 'Image'");
        StringAssert.Contains(mismatch.Message, "got String");
    }

    [TestMethod]
    [DataRow(nameof(BornAgainTrainer.Options.Generations), -1)]
    [DataRow(nameof(BornAgainTrainer.Options.Generations), 1000)]
    [DataRow(nameof(BornAgainTrainer.Options.EpochsPerGeneration), 0)]
    [DataRow(nameof(BornAgainTrainer.Options.BatchSize), 0)]
    [DataRow(nameof(BornAgainTrainer.Options.BatchSize), 1)]
    [DataRow(nameof(BornAgainTrainer.Options.LearningRate), 0.0)]
    [DataRow(nameof(BornAgainTrainer.Options.LearningRate), -0.1)]
    [DataRow(nameof(BornAgainTrainer.Options.LearningRate), double.NaN)]
    [DataRow(nameof(BornAgainTrainer.Options.LearningRate), 1e6)]
    [DataRow(nameof(BornAgainTrainer.Options.Temperature), 0.0)]
    [DataRow(nameof(BornAgainTrainer.Options.Temperature), double.PositiveInfinity)]
    [DataRow(nameof(BornAgainTrainer.Options.LabelWeight), -0.1)]
    [DataRow(nameof(BornAgainTrainer.Options.LabelWeight), 1.1)]
    [DataRow(nameof(BornAgainTrainer.Options.Momentum), 1.0)]
    [DataRow(nameof(BornAgainTrainer.Options.WeightDecay), -1e-4)]
    [DataRow(nameof(BornAgainTrainer.Options.TeacherLabelSmoothing), 1.0)]
    [DataRow(nameof(BornAgainTrainer.Options.RandomCropPadding), -4)]
    [DataRow(nameof(BornAgainTrainer.Options.NumberOfThreads), 0)]
    [DataRow(nameof(BornAgainTrainer.Options.ImageChannels), 2)]
    [DataRow(nameof(BornAgainTrainer.Options.ImageHeight), 4)]
    public void AbsurdOption_IsRejectedWithItsNameAndValue(string option, object value)
    {
        var options = TrainedPipeline.SmallOptions(generations: 2, epochs: 1);
        var property = typeof(BornAgainTrainer.Options).GetProperty(option)!;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        property.SetValue(options, Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture));

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().BornAgain().Train(options));
        Assert.AreEqual(option, error.ParamName);
        StringAssert.Contains(error.Message, $"Option '{option}' must");
    }

    [TestMethod]
    public void ScoringGenerationsBeyondTheRun_AreRejectedWithTheValidRange()
    {
        var options = TrainedPipeline.SmallOptions(generations: 2, epochs: 1);
        options.ScoringGenerations = new[] { 0, 3 };
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().BornAgain().Train(options));
        StringAssert.Contains(error.Message, "names generation 3; this run's model has generations 0 (teacher) to 2");
    }

    /// <summary>A real image's top-left corner as a grayscale PNG of <paramref name="side"/> pixels.</summary>
    private static byte[] EncodeGrayscaleCorner(byte[] jpeg, int side)
    {
        using var image = MLImage.CreateFromStream(new MemoryStream(jpeg));
        var source = image.Pixels;
        var pixels = new byte[side * side * 4];
        for (int y = 0; y < side; y++)
        {
            for (int x = 0; x < side; x++)
            {
                int s = (y * image.Width + x) * 4, d = (y * side + x) * 4;
                byte luma = (byte)((source[s] + source[s + 1] + source[s + 2]) / 3);
                pixels[d] = pixels[d + 1] = pixels[d + 2] = luma;
                pixels[d + 3] = 255;
            }
        }

        using var corner = MLImage.CreateFromPixels(side, side, MLPixelFormat.Bgra32, pixels);
        string path = Path.Combine(Path.GetTempPath(), $"bornagain-corner-{Guid.NewGuid():N}.png");
        corner.Save(path);
        try
        {
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
