namespace Microsoft.ML.BornAgain;

/// <summary>How the learning rate changes over a generation's epochs (every generation uses the same schedule).</summary>
public enum LearningRateSchedule
{
    /// <summary>
    /// The paper's schedule (the Wide-ResNet recipe): the learning rate is multiplied by
    /// <see cref="BornAgainTrainingOptions.StepDecayFactor"/> (0.2) at 30%, 60% and 80% of the epochs
    /// (epochs 60, 120 and 160 of 200).
    /// </summary>
    Step,

    /// <summary>Cosine annealing from the initial learning rate to zero, updated every batch.</summary>
    Cosine,

    /// <summary>The initial learning rate throughout.</summary>
    Constant,
}

/// <summary>The learning rate as a pure function of the position in training (nanoGPT's <c>get_lr</c>).</summary>
internal static class LearningRateScheduler
{
    /// <summary>The fractions of the epochs at which <see cref="LearningRateSchedule.Step"/> decays.</summary>
    internal static readonly double[] StepMilestones = { 0.3, 0.6, 0.8 };

    public static double LearningRateAt(BornAgainTrainingOptions options, int epoch, int batch, int batchesPerEpoch)
    {
        int epochs = options.EpochsPerGeneration;
        switch (options.Schedule)
        {
            case LearningRateSchedule.Step:
                int decays = StepMilestones.Count(m => epoch >= (int)Math.Round(m * epochs));
                return options.LearningRate * Math.Pow(options.StepDecayFactor, decays);
            case LearningRateSchedule.Cosine:
                double progress = (epoch + (double)batch / batchesPerEpoch) / epochs;
                return options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * progress));
            case LearningRateSchedule.Constant:
                return options.LearningRate;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Schedule, "Unknown learning rate schedule.");
        }
    }
}
