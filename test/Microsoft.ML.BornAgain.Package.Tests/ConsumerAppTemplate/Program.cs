// A user's console app (copied outside the repository by ConsumerAppTests). Two commands, run as two processes:
//   train <images folder> <model.zip> <predictions.tsv>  trains on a few images, saves, scores the test images
//   score <images folder> <model.zip> <predictions.tsv>  loads the model in a fresh process and scores the same
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.BornAgain;

string[] classes = ["airplane", "automobile", "bird"];
var (command, imagesFolder, modelPath, predictionsPath) = (args[0], args[1], args[2], args[3]);

var ml = new MLContext(seed: 1);
ITransformer model;
if (command == "train")
{
    var train = ml.Data.LoadFromEnumerable(Rows("train", 10));
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
    model = pipeline.Fit(train);
    ml.Model.Save(model, train.Schema, modelPath);
    Console.WriteLine($"trained and saved {modelPath}");
}
else
{
    model = ml.Model.Load(modelPath, out _);
    Console.WriteLine($"loaded {modelPath}");
}

// The scoring input carries an empty Label: the saved chain starts with MapValueToKey("Label").
var engine = ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(model);
using var output = new StreamWriter(predictionsPath);
foreach (var row in Rows("test", 3))
{
    var prediction = engine.Predict(new ImageInput { ImagePath = row.ImagePath });
    var scores = string.Join(" ", prediction.Score.Select(s => s.ToString("R", CultureInfo.InvariantCulture)));
    output.WriteLine($"{Path.GetFileName(row.ImagePath)}\t{prediction.PredictedLabel}\t{scores}");
}
Console.WriteLine($"scored with PredictionEngine into {predictionsPath}");

IEnumerable<ImageInput> Rows(string split, int perClass) =>
    classes.SelectMany(label => Directory.GetFiles(Path.Combine(imagesFolder, split, label), "*.jpg")
        .Order(StringComparer.Ordinal).Take(perClass)
        .Select(path => new ImageInput { ImagePath = path, Label = label }));

public sealed class ImageInput
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}

public sealed class ImagePrediction
{
    public float[] Score { get; set; } = [];
    public string PredictedLabel { get; set; } = "";
}
