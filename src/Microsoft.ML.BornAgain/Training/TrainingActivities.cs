using System.Diagnostics;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// The parts of a training run, as <see cref="Activity"/> spans of the <see cref="SourceName"/> source: an
/// <see cref="ActivityListener"/> (the benchmark, OpenTelemetry) sees where the time of a <c>Fit</c> goes. Without a
/// listener <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null and costs a check.
/// </summary>
internal static class TrainingActivities
{
    /// <summary>The name of the activity source (what a listener subscribes to).</summary>
    public const string SourceName = "Microsoft.ML.BornAgain";

    /// <summary>
    /// Reading the training rows through the ML.NET pipeline into the training tensors: image loading, decoding and
    /// resizing happen here.
    /// </summary>
    public const string ReadImages = "ReadImages";

    /// <summary>Reading and stacking the validation set.</summary>
    public const string ReadValidation = "ReadValidation";

    /// <summary>Per-channel normalization from the training images and the checks of the data (finite pixels).</summary>
    public const string PrepareData = "PrepareData";

    /// <summary>Creating and initializing a generation's network.</summary>
    public const string CreateNetwork = "CreateNetwork";

    /// <summary>The teacher's logits for the whole training set (cached when augmentation is off).</summary>
    public const string TeacherLogits = "TeacherLogits";

    /// <summary>The teacher's forward pass inside one student step (with augmentation, where nothing is cached).</summary>
    public const string TeacherForward = "TeacherForward";

    /// <summary>The augmentation call of one training step (random crop and flip of the batch).</summary>
    public const string Augment = "Augment";

    /// <summary>The validation set's evaluation after an epoch.</summary>
    public const string Evaluate = "Evaluate";

    /// <summary>The generation-0 garbage collection every few steps (TorchSharp's finalizable native objects).</summary>
    public const string Collect = "Collect";

    /// <summary><c>malloc_trim</c> after an epoch.</summary>
    public const string MallocTrim = "MallocTrim";

    /// <summary>Capturing a generation's state after an epoch and writing the checkpoint.</summary>
    public const string Checkpoint = "Checkpoint";

    private static readonly ActivitySource s_source = new(SourceName);

    /// <summary>Starts the span <paramref name="name"/>; null (nothing to dispose) when nobody listens.</summary>
    public static Activity? Start(string name) => s_source.StartActivity(name);
}
