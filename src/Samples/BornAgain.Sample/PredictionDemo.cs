using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Spectre.Console;

namespace Microsoft.ML.BornAgain.Sample;

/// <summary>
/// What a production app does with the saved model: load <c>model.zip</c> in a fresh <see cref="MLContext"/>,
/// create a <c>PredictionEngine</c> and predict single images.
/// </summary>
internal static class PredictionDemo
{
    /// <summary>An image-folder row, as the saved chain expects it (it starts with MapValueToKey("Label") and LoadImages).</summary>
    private sealed class ImagePathInput
    {
        public string ImagePath { get; set; } = "";

        /// <summary>Read by the chain's first transform; its value does not affect the prediction.</summary>
        public string Label { get; set; } = "";
    }

    /// <summary>A decoded-image row (CIFAR and MNIST binaries): the chain starts with MapValueToKey("Label") only.</summary>
    private sealed class DecodedImageInput
    {
        // ML.NET maps an MLImage member only with ImageType; the real size is set in the schema definition below.
        [ImageType(32, 32)]
        public MLImage? Image { get; set; }

        public string Label { get; set; } = "";
    }

    private sealed class ImagePrediction
    {
        public float[] Score { get; set; } = [];

        public string PredictedLabel { get; set; } = "";
    }

    public static void Run(string modelPath, SampleDataset dataset, int count)
    {
        count = Math.Min(count, dataset.TestCount);
        if (count == 0)
            return;
        var ml = new MLContext();
        var model = ml.Model.Load(modelPath, out _);
        // Spread over the test set: image folders and CIFAR files list the classes in blocks or in mixed order.
        var indices = Enumerable.Range(0, count).Select(i => i * dataset.TestCount / count).ToList();
        var predictions = dataset.HasImagePaths ? PredictFiles(ml, model, dataset, indices) : PredictRecords(ml, model, dataset, indices);

        var table = new Table().Title(Markup.Escape($"{Path.GetFileName(modelPath)} reloaded in a new MLContext, PredictionEngine on test images"));
        table.AddColumns("Test image", "True label", "Predicted", "Probability", "");
        int correct = 0;
        foreach (var (index, prediction) in indices.Zip(predictions))
        {
            string truth = dataset.TestLabel(index);
            bool right = truth == prediction.PredictedLabel;
            correct += right ? 1 : 0;
            table.AddRow(Markup.Escape(Describe(dataset, index)), Markup.Escape(truth), Markup.Escape(prediction.PredictedLabel),
                $"{prediction.Score.Max():P1}", right ? "[green]right[/]" : "[red]wrong[/]");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{correct} of {count} right.");
        (model as IDisposable)?.Dispose();
    }

    private static List<ImagePrediction> PredictFiles(MLContext ml, ITransformer model, SampleDataset dataset, List<int> indices)
    {
        using var engine = ml.Model.CreatePredictionEngine<ImagePathInput, ImagePrediction>(model);
        return indices.Select(i => engine.Predict(new ImagePathInput { ImagePath = dataset.TestFiles![i].ImagePath })).ToList();
    }

    private static List<ImagePrediction> PredictRecords(MLContext ml, ITransformer model, SampleDataset dataset, List<int> indices)
    {
        var records = dataset.TestRecords!;
        // The chain was saved with the loader's Image<H, W> column: declare the data set's size (28 x 28 for MNIST).
        var definition = SchemaDefinition.Create(typeof(DecodedImageInput), SchemaDefinition.Direction.Read);
        definition[nameof(DecodedImageInput.Image)].ColumnType = new ImageDataViewType(records.Height, records.Width);
        using var engine = ml.Model.CreatePredictionEngine<DecodedImageInput, ImagePrediction>(model, inputSchemaDefinition: definition);
        var predictions = new List<ImagePrediction>();
        foreach (int i in indices)
        {
            using var image = records.CreateImage(i);
            predictions.Add(engine.Predict(new DecodedImageInput { Image = image }));
        }
        return predictions;
    }

    private static string Describe(SampleDataset dataset, int index) =>
        dataset.HasImagePaths
            ? Path.Combine(Path.GetFileName(Path.GetDirectoryName(dataset.TestFiles![index].ImagePath)!), Path.GetFileName(dataset.TestFiles[index].ImagePath))
            : $"#{index}";
}
