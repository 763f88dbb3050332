using Microsoft.ML;
using Microsoft.ML.BornAgain;

namespace BornAgain.Service.Tests;

/// <summary>
/// A real model.zip for the whole test run, trained like the sample (MapValueToKey, LoadImages, ResizeImages,
/// BornAgain, MapKeyToValue) on 10 real images of each of 3 classes with a tiny network: a few seconds. Its
/// Born-Again transformer is also exported to ONNX (<see cref="OnnxPath"/>), as a user serving it without LibTorch would.
/// </summary>
[TestClass]
public static class TrainedModel
{
    public static readonly string[] Classes = ["airplane", "automobile", "bird"];

    private static string? _directory;

    public static string Directory => _directory ?? throw new InvalidOperationException("No model was trained.");

    public static string ModelPath => Path.Combine(Directory, "model.zip");

    public static string OnnxPath => Path.Combine(Directory, "model.onnx");

    [AssemblyInitialize]
    public static void Train(TestContext context)
    {
        _directory = System.IO.Directory.CreateTempSubdirectory("bornagain-service-tests-").FullName;
        var ml = new MLContext(seed: 1);
        var rows = Classes.SelectMany(label =>
            System.IO.Directory.GetFiles(Path.Combine(TestPaths.SampleImages, "train", label), "*.jpg").Order(StringComparer.Ordinal).Take(10)
                .Select(path => new ImageRow { ImagePath = path, Label = label }));
        var train = ml.Data.LoadFromEnumerable(rows.ToList());
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.Transforms.ResizeImages("Image", imageWidth: 32, imageHeight: 32))
            .Append(ml.BornAgain().Train(new BornAgainTrainer.Options
            {
                Architecture = NetworkArchitecture.PreActResNet(8),
                Generations = 1,
                EpochsPerGeneration = 1,
                BatchSize = 10,
                NumberOfThreads = 2,
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(train);
        ml.Model.Save(model, train.Schema, ModelPath);
        model.OfType<BornAgainTransformer>().Single().ExportToOnnx(OnnxPath);
        (model as IDisposable)?.Dispose();
    }

    [AssemblyCleanup]
    public static void Cleanup()
    {
        InProcessService.Zip.Stop();
        InProcessService.Onnx.Stop();
        try
        {
            if (_directory is not null && Environment.GetEnvironmentVariable("BORNAGAIN_KEEP_TEST_MODEL") is null)
                System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class ImageRow
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }
}
