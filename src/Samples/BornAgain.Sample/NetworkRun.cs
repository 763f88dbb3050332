using System.Diagnostics;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.Sample;

/// <summary>
/// Trains one network's teacher and students through the ML.NET pipeline and measures the test error of every
/// table column; optionally saves the fitted pipeline as a model zip.
/// </summary>
internal static class NetworkRun
{
    public static NetworkRunResult Run(SampleSettings settings, SampleDataset dataset, NetworkArchitecture network, int seed,
        TrainingProgress progress, string? modelPath)
    {
        var ml = new MLContext(seed);
        var train = dataset.Train(ml);
        var test = dataset.Test(ml);

        // The trainer's ValidationSet must have the columns that reach the trainer (a key Label and a decoded
        // Image), so the test split goes through the upstream part of the pipeline. Fitting that part on the same
        // training data gives the same key mapping as inside pipeline.Fit (MapValueToKey orders keys by first
        // appearance), so validation labels line up with training labels.
        var validation = SamplePipeline.Upstream(ml, dataset).Fit(train).Transform(test);
        var options = SamplePipeline.TrainerOptions(dataset, network, settings.BatchSize, settings.LearningRate, settings.Schedule, seed, settings.Threads);
        options.Generations = settings.Generations;
        options.EpochsPerGeneration = settings.Epochs;
        options.Loss = settings.Loss;
        options.ValidationSet = validation;
        progress.BeginRun(network, seed, options);

        var pipeline = SamplePipeline.Upstream(ml, dataset)
            .Append(ml.BornAgain().Train(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var stopwatch = Stopwatch.StartNew();
        using var model = pipeline.Fit(train);
        stopwatch.Stop();

        var bornAgain = model.OfType<BornAgainTransformer>().Single();
        var errors = ScoreColumn.For(settings.Generations)
            .ToDictionary(c => c.Name, c => SamplePipeline.TestError(ml, model, bornAgain, c.Generations, test));
        if (modelPath is not null)
            ml.Model.Save(model, train.Schema, modelPath);

        return new NetworkRunResult(network, seed, bornAgain.Generations[0].ParameterCount, errors,
            bornAgain.Generations.SelectMany(g => g.Epochs).ToList(), stopwatch.Elapsed);
    }
}
