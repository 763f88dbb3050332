using Microsoft.ML.BornAgain.Training;

namespace Microsoft.ML.BornAgain;

public sealed partial class BornAgainTrainer
{
    /// <summary>
    /// Every setting of <see cref="BornAgainTrainer"/>: the columns, the image shape, validation data, which
    /// generations score, and all training settings inherited from <see cref="BornAgainTrainingOptions"/>.
    /// </summary>
    public sealed class Options : BornAgainTrainingOptions
    {
        /// <summary>The label column: a key type (use <c>MapValueToKey</c>); its key count is the class count.</summary>
        /// <value>Default <c>"Label"</c>.</value>
        public string LabelColumnName { get; set; } = DefaultColumnNames.Label;

        /// <summary>
        /// The image column: <c>MLImage</c> (<c>LoadImages</c>), encoded image bytes (<c>LoadRawImageBytes</c> or a
        /// <c>byte[]</c> field), or a known-size <c>Vector&lt;Single&gt;</c> of C x H x W pixels (then set
        /// <see cref="ImageChannels"/>, <see cref="ImageHeight"/> and <see cref="ImageWidth"/>).
        /// </summary>
        /// <value>Default <c>"Image"</c>.</value>
        public string ImageColumnName { get; set; } = DefaultColumnNames.Image;

        /// <summary>The output column of class probabilities (<c>Vector&lt;Single&gt;</c>, one per class).</summary>
        /// <value>Default <c>"Score"</c>.</value>
        public string ScoreColumnName { get; set; } = DefaultColumnNames.Score;

        /// <summary>The output column of the predicted class (a key with the label's values).</summary>
        /// <value>Default <c>"PredictedLabel"</c>.</value>
        public string PredictedLabelColumnName { get; set; } = DefaultColumnNames.PredictedLabel;

        /// <summary>Channels of the network input: 1 (grayscale) or 3 (colour).</summary>
        /// <value>Default <see langword="null"/>: 1 when every training image is grayscale (R = G = B), else 3.
        /// Colour images scored by a grayscale model are converted with BT.601 luma weights; grayscale images
        /// scored by a colour model are repeated over the three channels.</value>
        public int? ImageChannels { get; set; }

        /// <summary>Height of the network input in pixels (at least 8).</summary>
        /// <value>Default <see langword="null"/>: the height of the first training image. Images of another size,
        /// in training or scoring, are resized (bilinear, antialiased when shrinking).</value>
        public int? ImageHeight { get; set; }

        /// <summary>Width of the network input in pixels (at least 8).</summary>
        /// <value>Default <see langword="null"/>: the width of the first training image; see <see cref="ImageHeight"/>.</value>
        public int? ImageWidth { get; set; }

        /// <summary>Optional validation data with the same columns, evaluated after every epoch.</summary>
        /// <value>Default <see langword="null"/>: no validation metrics.</value>
        public IDataView? ValidationSet { get; set; }

        /// <summary>
        /// A trained Born-Again model to continue: its generations are copied into the new model unchanged, its last
        /// generation teaches the first new student, and only <see cref="BornAgainTrainingOptions.Generations"/> new
        /// students train. A model of one generation is used as the teacher (generation 0). The new model holds the
        /// whole chain; its networks are copies, so this transformer stays the caller's.
        /// </summary>
        /// <value>
        /// Default <see langword="null"/>: train a teacher first. When set, the model's architecture, input shape and
        /// channels, normalization and label values are reused: options that contradict them (another
        /// <see cref="BornAgainTrainingOptions.Architecture"/> when set, another <see cref="ImageChannels"/>,
        /// <see cref="ImageHeight"/> or <see cref="ImageWidth"/>, training data with another label set) are refused,
        /// naming both. Generation g trains with seed + g as in a fresh run, so a chain of one continued by two
        /// generations gives the same networks as training three at once (same seed, data and options; CPU).
        /// <see cref="BornAgainTrainingOptions.GenerationArchitectures"/>, when set, lists the whole chain, and
        /// <see cref="ScoringGenerations"/> may name any generation of it. At most one of this and
        /// <see cref="ContinueFromModelPath"/> may be set.
        /// </value>
        public BornAgainTransformer? ContinueFrom { get; set; }

        /// <summary>
        /// The path of a model zip saved with <c>mlContext.Model.Save</c> that holds a <see cref="BornAgainTransformer"/>
        /// (alone or in a pipeline): read at <c>Fit</c> and continued as <see cref="ContinueFrom"/> describes.
        /// </summary>
        /// <value>Default <see langword="null"/>. At most one of this and <see cref="ContinueFrom"/> may be set.</value>
        public string? ContinueFromModelPath { get; set; }

        /// <summary>Which generations score by default (0 is the teacher); several are averaged (BANE).</summary>
        /// <value>Default <see langword="null"/>: the last generation alone, which costs one network per
        /// prediction. Change it after training with <see cref="BornAgainTransformer.WithScoringGenerations"/>.</value>
        public int[]? ScoringGenerations { get; set; }

        /// <summary>
        /// The most pixels (width x height) a training, validation or scoring image may have. Encoded images (bytes
        /// from <c>LoadRawImageBytes</c> or a <c>byte[]</c> field) are measured from their header before they are
        /// decoded, so a small file that would decode to gigabytes (an image bomb) fails with an
        /// <see cref="InvalidDataException"/> naming the column, the row and the size; images from <c>LoadImages</c>
        /// are decoded by ML.NET first and refused before they are converted. The trained transformer keeps this limit
        /// (<see cref="BornAgainTransformer.MaxImagePixels"/>); it is not saved in the model file.
        /// </summary>
        /// <value>Default 16,777,216 (4096 x 4096): a 4096 x 4096 image decodes to 64 MB of RGBA and 192 MB of floats.</value>
        public long MaxImagePixels { get; set; } = MLNet.EncodedImageHeader.DefaultMaxPixels;

        /// <inheritdoc/>
        internal override bool ContinuesChain => ContinueFrom is not null || ContinueFromModelPath is not null;

        /// <inheritdoc/>
        internal override void Validate()
        {
            base.Validate();
            if (ContinueFrom is not null && ContinueFromModelPath is not null)
            {
                throw new ArgumentException(
                    $"Set at most one of 'ContinueFrom' and 'ContinueFromModelPath'; both are set (path '{ContinueFromModelPath}').",
                    nameof(ContinueFromModelPath));
            }

            if (ContinueFromModelPath is { } path && string.IsNullOrWhiteSpace(path))
                throw new ArgumentException($"Option 'ContinueFromModelPath' must name a file; got '{path}'.", nameof(ContinueFromModelPath));
            if (MaxImagePixels < 1)
                throw new ArgumentOutOfRangeException(nameof(MaxImagePixels), MaxImagePixels, "Option 'MaxImagePixels' must be at least 1.");
            CheckColumnName(LabelColumnName, nameof(LabelColumnName));
            CheckColumnName(ImageColumnName, nameof(ImageColumnName));
            CheckColumnName(ScoreColumnName, nameof(ScoreColumnName));
            CheckColumnName(PredictedLabelColumnName, nameof(PredictedLabelColumnName));
            if (ScoreColumnName == PredictedLabelColumnName)
            {
                throw new ArgumentException(
                    $"Options 'ScoreColumnName' and 'PredictedLabelColumnName' must differ; both are '{ScoreColumnName}'.",
                    nameof(PredictedLabelColumnName));
            }

            if (ImageChannels is { } channels && channels != 1 && channels != 3)
                throw new ArgumentOutOfRangeException(nameof(ImageChannels), channels, "Option 'ImageChannels' must be 1 or 3.");
            if (ImageHeight is { } height && (height < 8 || height > 4096))
                throw new ArgumentOutOfRangeException(nameof(ImageHeight), height, "Option 'ImageHeight' must be in [8, 4096].");
            if (ImageWidth is { } width && (width < 8 || width > 4096))
                throw new ArgumentOutOfRangeException(nameof(ImageWidth), width, "Option 'ImageWidth' must be in [8, 4096].");
            if (ScoringGenerations is { } scoring)
            {
                if (scoring.Length == 0)
                    throw new ArgumentException("Option 'ScoringGenerations' must name at least one generation, or be null.", nameof(ScoringGenerations));
                // A chain to continue that is still a file is counted at Fit, when it is read.
                int last = ContinuesChain && ContinuedGenerations == 0 ? int.MaxValue : LastGeneration;
                foreach (int g in scoring)
                {
                    if (g < 0 || g > last)
                    {
                        throw new ArgumentOutOfRangeException(nameof(ScoringGenerations), g,
                            $"Option 'ScoringGenerations' names generation {g}; this run's model has generations 0 (teacher) to {LastGeneration}.");
                    }
                }
                if (scoring.Distinct().Count() != scoring.Length)
                {
                    throw new ArgumentException(
                        $"Option 'ScoringGenerations' repeats a generation: [{string.Join(", ", scoring)}].", nameof(ScoringGenerations));
                }
            }
        }

        private static void CheckColumnName(string name, string option)
        {
            if (string.IsNullOrWhiteSpace(name))
                throw new ArgumentException($"Option '{option}' must name a column; got '{name}'.", option);
        }
    }

    /// <summary>ML.NET's default column names.</summary>
    internal static class DefaultColumnNames
    {
        public const string Label = "Label";
        public const string Image = "Image";
        public const string Score = "Score";
        public const string PredictedLabel = "PredictedLabel";
    }
}
