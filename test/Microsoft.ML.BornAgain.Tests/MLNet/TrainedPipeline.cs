using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Training;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.Tests.MLNet;

/// <summary>
/// The README's pipeline (MapValueToKey, LoadImages, ResizeImages, BornAgain, MapKeyToValue) trained once on real
/// images with a small network, saved to a model.zip, and shared by the tests that only score.
/// </summary>
internal sealed class TrainedPipeline : IDisposable
{
    public TrainedPipeline()
    {
        Context = new MLContext(seed: 1);
        Train = Context.Data.LoadFromEnumerable(ImagePathRow.Load("train", 60));
        Test = Context.Data.LoadFromEnumerable(ImagePathRow.Load("test", 20));
        var pipeline = Context.Transforms.Conversion.MapValueToKey("Label")
            .Append(Context.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(Context.Transforms.ResizeImages("Image", imageWidth: 32, imageHeight: 32))
            .Append(Context.BornAgain().Train(SmallOptions(generations: 2, epochs: 2)))
            .Append(Context.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        Model = pipeline.Fit(Train);
        Directory = Path.Combine(Path.GetTempPath(), "bornagain-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        ModelPath = Path.Combine(Directory, "model.zip");
        Context.Model.Save(Model, Train.Schema, ModelPath);
    }

    public MLContext Context { get; }

    public IDataView Train { get; }

    public IDataView Test { get; }

    public ITransformer Model { get; }

    public string Directory { get; }

    public string ModelPath { get; }

    /// <summary>The fitted Born-Again transformer inside the chain.</summary>
    public BornAgainTransformer BornAgain => ((IEnumerable<ITransformer>)Model).OfType<BornAgainTransformer>().Single();

    /// <summary>Options for a network that trains in seconds on a CPU.</summary>
    public static BornAgainTrainer.Options SmallOptions(int generations, int epochs) => new()
    {
        LabelColumnName = "Label",
        ImageColumnName = "Image",
        Architecture = NetworkArchitecture.PreActResNet(8),
        Generations = generations,
        EpochsPerGeneration = epochs,
        BatchSize = 32,
        LearningRate = 0.05,
        Schedule = LearningRateSchedule.Cosine,
        NumberOfThreads = 2,
    };

    public void Dispose()
    {
        if (Model is IDisposable disposable)
            disposable.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
