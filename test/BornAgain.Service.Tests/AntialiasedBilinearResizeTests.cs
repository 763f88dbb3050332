using static TorchSharp.torch;

namespace BornAgain.Service.Tests;

/// <summary>
/// The ONNX path's managed resize against LibTorch's <c>interpolate</c> as the Born-Again transformer calls it
/// (bilinear, align_corners false, antialiased when shrinking): the same pixels for shrinking, enlarging and both.
/// </summary>
[TestClass]
public sealed class AntialiasedBilinearResizeTests
{
    [TestMethod]
    [DataRow(37, 53, 32, 32)]   // shrink both ways
    [DataRow(20, 24, 32, 32)]   // enlarge both ways
    [DataRow(48, 20, 32, 32)]   // shrink one way, enlarge the other
    [DataRow(500, 375, 32, 32)] // a photo's size
    [DataRow(32, 32, 28, 36)]
    public void MatchesLibTorchInterpolate(int inHeight, int inWidth, int outHeight, int outWidth)
    {
        const int channels = 3;
        var random = new Random(inHeight * 1000 + inWidth);
        var pixels = Enumerable.Range(0, channels * inHeight * inWidth).Select(_ => (float)random.Next(256)).ToArray();
        var ours = new float[channels * outHeight * outWidth];

        AntialiasedBilinearResize.Resize(pixels, channels, inHeight, inWidth, outHeight, outWidth, ours);

        using var scope = NewDisposeScope();
        bool shrinking = inHeight > outHeight || inWidth > outWidth;
        var expected = nn.functional.interpolate(tensor(pixels, [1, channels, inHeight, inWidth]), [outHeight, outWidth],
            mode: InterpolationMode.Bilinear, align_corners: false, antialias: shrinking).contiguous().data<float>().ToArray();
        float largest = ours.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        Assert.IsLessThanOrEqualTo(1e-3f, largest, $"largest difference on 0..255 pixels: {largest}");
    }
}
