// Usage: ScoringProcess <model.zip> <image path>...
// Loads the model with a fresh MLContext (this process has never loaded Microsoft.ML.BornAgain before Model.Load),
// scores every image with a PredictionEngine and with Transform, and prints one JSON line per image:
// {"path": ..., "engine": [scores], "transform": [scores], "label": predicted label}.
using System.Text.Json;
using Microsoft.ML;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: ScoringProcess <model.zip> <image path>...");
    return 2;
}

bool libraryLoadedBeforeLoad = AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "Microsoft.ML.BornAgain");
var ml = new MLContext();
var model = ml.Model.Load(args[0], out _);
var inputs = args.Skip(1).Select(p => new ImageInput { ImagePath = p, Label = "" }).ToList();

var engine = ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(model);
var engineScores = inputs.Select(i => engine.Predict(i)).ToList();
var transformed = ml.Data.CreateEnumerable<ImagePrediction>(model.Transform(ml.Data.LoadFromEnumerable(inputs)), reuseRowObject: false).ToList();

Console.WriteLine(JsonSerializer.Serialize(new { libraryLoadedBeforeLoad }));
for (int i = 0; i < inputs.Count; i++)
{
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        path = inputs[i].ImagePath,
        engine = engineScores[i].Score,
        transform = transformed[i].Score,
        label = engineScores[i].PredictedLabel,
    }));
}
return 0;

/// <summary>The scoring input: the path the pipeline's LoadImages reads, and the label the chain's MapValueToKey expects.</summary>
public sealed class ImageInput
{
    public string ImagePath { get; set; } = "";

    public string Label { get; set; } = "";
}

public sealed class ImagePrediction
{
    public float[] Score { get; set; } = Array.Empty<float>();

    public string PredictedLabel { get; set; } = "";
}
