// A second process for the tests.
//   ChildProcess score <model.zip> <image path>...
//     Loads the model with a fresh MLContext (this process has not loaded Microsoft.ML.BornAgain before Model.Load),
//     scores every image with a PredictionEngine and with Transform, and prints one JSON line per image after a header
//     line: {"path": ..., "engine": [scores], "transform": [scores], "label": predicted label}.
//   ChildProcess train <checkpoint directory> <image path>...
//     Trains the checkpoint test's pipeline (labels from the parent folder names) and prints "epoch <generation> <epoch>"
//     after every epoch, so the test can kill it mid-generation.
//   ChildProcess short-training <network> <channels> <image path>...
//     Trains a teacher and one student for an epoch each (ShortTraining), for a test that reads what LibTorch logs.
//   ChildProcess mpi-gradient <image path>...          (one rank of mpiexec -n N)
//     Prints the averaged gradient's difference from the whole batch's gradient as JSON (DataParallelRuns.Gradient).
//   ChildProcess mpi-train <folder> <epochs> <image path>...   (one rank of mpiexec -n N)
//     A short data-parallel training; prints its progress and a hash of the model; rank 0 saves folder/model.zip.
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.BornAgain.ChildProcess;

if (args.Length >= 2 && args[0] == "mpi-gradient")
{
    DataParallelRuns.Gradient(args.Skip(1).ToList());
    return 0;
}

if (args.Length >= 4 && args[0] == "mpi-train")
    return DataParallelRuns.Train(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), args.Skip(3).ToList());

if (args.Length < 3 || args[0] is not ("score" or "train" or "short-training"))
{
    Console.Error.WriteLine("usage: ChildProcess score <model.zip> <image path>... | ChildProcess train <checkpoint directory> <image path>... " +
        "| ChildProcess short-training <network> <channels> <image path>...");
    return 2;
}

if (args[0] == "short-training")
{
    ShortTraining.Run(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), args.Skip(3).ToList());
    return 0;
}

var images = args.Skip(2).ToList();
if (args[0] == "train")
    return Train(args[1], images);

bool libraryLoadedBeforeLoad = AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "Microsoft.ML.BornAgain");
var ml = new MLContext();
var loaded = ml.Model.Load(args[1], out _);
var inputs = images.Select(p => new ImageInput { ImagePath = p, Label = "" }).ToList();

var engine = ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(loaded);
var engineScores = inputs.Select(i => engine.Predict(i)).ToList();
var transformed = ml.Data.CreateEnumerable<ImagePrediction>(loaded.Transform(ml.Data.LoadFromEnumerable(inputs)), reuseRowObject: false).ToList();

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

// In a method of its own, not inlined: `score` must not load the library before Model.Load does.
[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
static int Train(string checkpointDirectory, IReadOnlyList<string> images)
{
    using var model = CheckpointedTraining.Fit(checkpointDirectory, images, epoch => Console.WriteLine($"epoch {epoch.Generation} {epoch.Epoch}"));
    Console.WriteLine("done");
    return 0;
}

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
