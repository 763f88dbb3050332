using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Tests.MLNet;
using Microsoft.ML.Data;

namespace Microsoft.ML.BornAgain.Tests.Onnx;

/// <summary>
/// A small Born-Again model (a teacher and <c>students</c> generations) trained on real CIFAR-10 images (16x16, one
/// epoch per generation), the held-out images, and those images as the exported model's input: planar R, G, B values
/// 0..255 from ML.NET's ExtractPixels, or their BT.601 luma rounded to whole values for a 1-channel model, as docs/onnx.md asks an application
/// to prepare them.
/// </summary>
internal sealed class OnnxTrainedModel : IDisposable
{
    private static readonly float[] LumaWeights = [0.299f, 0.587f, 0.114f];

    private readonly ITransformer _model;
    private readonly IDataView _images;

    private OnnxTrainedModel(MLContext context, ITransformer model, IDataView images, List<ImagePathRow> test, float[] onnxInput)
    {
        Context = context;
        _model = model;
        _images = images;
        Test = test;
        OnnxInput = onnxInput;
    }

    public MLContext Context { get; }

    public List<ImagePathRow> Test { get; }

    /// <summary>The test images as the ONNX input [N, C, 16, 16], row-major.</summary>
    public float[] OnnxInput { get; }

    /// <summary>The whole fitted chain (key mapping, image loading and resizing, Born-Again).</summary>
    public ITransformer Model => _model;

    public BornAgainTransformer Transformer => ((IEnumerable<ITransformer>)_model).OfType<BornAgainTransformer>().Single();

    public static OnnxTrainedModel Train(NetworkArchitecture architecture, int channels, int students)
    {
        var context = new MLContext(seed: 1);
        var train = context.Data.LoadFromEnumerable(ImagePathRow.Load("train", 20));
        var test = ImagePathRow.Load("test", 8);
        var options = TrainedPipeline.SmallOptions(students, epochs: 1);
        options.Architecture = architecture;
        options.ImageChannels = channels;
        var pipeline = context.Transforms.Conversion.MapValueToKey("Label")
            .Append(context.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(context.Transforms.ResizeImages("Image", imageWidth: 16, imageHeight: 16))
            .Append(context.BornAgain().Train(options));
        var model = pipeline.Fit(train);

        // The resized test images (the chain up to, not including, the Born-Again transformer) and their pixels.
        var testView = context.Data.LoadFromEnumerable(test);
        var images = ((IEnumerable<ITransformer>)model).Take(3).Aggregate(testView, (view, t) => t.Transform(view));
        var rgb = context.Transforms.ExtractPixels("Pixels", "Image").Fit(images).Transform(images)
            .GetColumn<float[]>("Pixels").ToList();
        var input = rgb.SelectMany(p => channels == 3 ? p : Luma(p)).ToArray();
        return new OnnxTrainedModel(context, model, images, test, input);
    }

    /// <summary>The transformer's own (TorchSharp) probabilities, row-major, and predicted keys for the test images.</summary>
    public (float[] Scores, uint[] PredictedKeys) TorchSharpScores(BornAgainTransformer transformer)
    {
        var scored = transformer.Transform(_images);
        return (scored.GetColumn<float[]>("Score").SelectMany(s => s).ToArray(), scored.GetColumn<uint>("PredictedLabel").ToArray());
    }

    public void Dispose()
    {
        if (_model is IDisposable disposable)
            disposable.Dispose();
    }

    private static float[] Luma(float[] planarRgb)
    {
        int plane = planarRgb.Length / 3;
        var gray = new float[plane];
        for (int i = 0; i < plane; i++)
            gray[i] = MathF.Round(LumaWeights[0] * planarRgb[i] + LumaWeights[1] * planarRgb[plane + i] + LumaWeights[2] * planarRgb[2 * plane + i]);
        return gray;
    }
}
