using Spectre.Console;

namespace Microsoft.ML.BornAgain.Sample;

/// <summary>
/// Live progress: one Spectre.Console bar per generation, driven by the trainer's BatchCompleted and
/// EpochCompleted callbacks, showing the running training loss and the last epoch's accuracies.
/// </summary>
/// <remarks>The callbacks run on the training thread; Spectre redraws from its own thread, reading the tasks.</remarks>
internal sealed class TrainingProgress
{
    private readonly ProgressContext _context;
    private readonly List<ProgressTask> _generations = [];
    private string _runName = "";
    private double _lossSum;
    private int _lossCount;
    private string _lastEpoch = "";

    public TrainingProgress(ProgressContext context) => _context = context;

    /// <summary>Adds a (waiting) bar per generation of the coming run and hooks the options' callbacks.</summary>
    public void BeginRun(NetworkArchitecture network, int seed, BornAgainTrainer.Options options) =>
        BeginRun($"{network} seed {seed}", options);

    /// <summary>Same, with the run's name shown before every bar.</summary>
    public void BeginRun(string runName, BornAgainTrainer.Options options)
    {
        _runName = runName;
        _generations.Clear();
        for (int g = 0; g <= options.Generations; g++)
            _generations.Add(_context.AddTask(Describe(g, "waiting"), autoStart: false, maxValue: options.EpochsPerGeneration));
        options.BatchCompleted = OnBatch;
        options.EpochCompleted = OnEpoch;
    }

    private void OnBatch(BatchProgress batch)
    {
        var task = _generations[batch.Generation];
        if (!task.IsStarted)
        {
            task.StartTask();
            _lastEpoch = "";
        }
        if (batch.Batch == 1)
            (_lossSum, _lossCount) = (0, 0);
        _lossSum += batch.Loss;
        _lossCount++;
        task.Value = batch.Epoch - 1 + (double)batch.Batch / batch.BatchesPerEpoch;
        task.Description = Describe(batch.Generation, $"epoch {batch.Epoch} loss {_lossSum / _lossCount:F3}{_lastEpoch}");
    }

    private void OnEpoch(EpochMetrics epoch)
    {
        // Shown with the running loss of the following epoch too, so it names its epoch.
        _lastEpoch = $" | epoch {epoch.Epoch}: train acc {epoch.TrainingAccuracy:P1}" +
            (epoch.ValidationAccuracy is { } validation ? $" val acc {validation:P1}" : "");
        var task = _generations[epoch.Generation];
        task.Description = Describe(epoch.Generation, $"loss {epoch.TrainingLoss:F3}{_lastEpoch}");
        if (epoch.Epoch == (int)task.MaxValue)
            task.StopTask();
    }

    private string Describe(int generation, string status) =>
        Markup.Escape($"{_runName} {(generation == 0 ? "Teacher" : $"BAN-{generation}"),-7} {status}");
}
