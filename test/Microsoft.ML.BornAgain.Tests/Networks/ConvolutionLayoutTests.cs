using Microsoft.ML.BornAgain.Tests.Infrastructure;

namespace Microsoft.ML.BornAgain.Tests.Networks;

/// <summary>
/// Every convolution of a training runs in oneDNN's NHWC layout on the CPU, in every family and with 1 or 3 channels,
/// as oneDNN's own verbose log reports it. A batch that LibTorch reads as NCHW sends the network through oneDNN's
/// blocked layouts, which pad channel counts that are not a multiple of the vector width (DenseNet-BC's) to whole
/// blocks, where LibTorch's convolutions compute wrong input gradients (docs/reproducibility.md).
/// </summary>
[TestClass]
public sealed class ConvolutionLayoutTests
{
    [TestMethod]
    [TestCategory(KernelPaths.Category)] // the child process inherits the kernel setting: AVX2 and SSE4.1 have blocked layouts too
    [DataRow("PreActResNet-8", 1)]
    [DataRow("PreActResNet-8", 3)]
    [DataRow("WRN-10-2", 1)]
    [DataRow("WRN-10-2", 3)]
    [DataRow("DenseNetBC-10-8", 1)]
    [DataRow("DenseNetBC-10-8", 3)]
    public void Training_RunsEveryConvolutionChannelsLast(string network, int channels)
    {
        var convolutions = OneDnnConvolutions(network, channels);

        // A verbose line reads "onednn_verbose,...,exec,cpu,convolution,<implementation>,<propagation>,src:f32::blocked:acdb
        // wei:... dst:f32::blocked:acdb,..."; acdb is NHWC, aBcd16b (aBcd8b below AVX-512) a blocked layout.
        Assert.IsGreaterThan(0, convolutions.Count, "oneDNN logged no convolution: was the log switched off?");
        var blocked = convolutions.Where(line => !(line.Contains("src:f32::blocked:acdb") && line.Contains("dst:f32::blocked:acdb"))).ToList();
        Assert.IsEmpty(blocked, $"{blocked.Count} of {convolutions.Count} convolutions not in NHWC, for example:\n{string.Join("\n", blocked.Take(3))}");
    }

    private static List<string> OneDnnConvolutions(string network, int channels)
    {
        var images = TestImages.Files("train", TestImages.ThreeClasses, 8).Select(file => file.Path);
        var run = DotnetProcess.Run(new[] { TestImages.ChildProcessProgram, "short-training", network, channels.ToString() }.Concat(images),
            TimeSpan.FromMinutes(2), "the training process", new Dictionary<string, string> { ["ONEDNN_VERBOSE"] = "1" });
        Assert.AreEqual(0, run.ExitCode, run.Error);
        return run.Output.Split('\n').Where(line => line.Contains(",exec,cpu,convolution,")).ToList();
    }
}
