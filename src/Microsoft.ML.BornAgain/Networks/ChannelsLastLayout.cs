using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// Channels-last (NHWC) memory order for the image batches the networks see on the CPU. The shape stays
/// [B, C, H, W] and only the strides change, so networks, losses and saved weights are untouched; but LibTorch's
/// oneDNN convolutions take their NHWC path, which on the benchmark machine (PreActResNet-20, batch 64, 2 threads)
/// took a training step from 302 to 239 ms, a batch-64 forward pass from 95 to 77 ms and a single image from 8.1 to
/// 5.1 ms (README, "Performance"). The weights stay NCHW: converting them too gained nothing in training (it gave
/// 3.9 ms for a single image), and TorchSharp can only save contiguous tensors.
/// </summary>
/// <remarks>
/// Other devices keep the default order: cuDNN's choice between the layouts depends on the GPU and the precision,
/// and it could not be measured here.
/// </remarks>
internal static class ChannelsLastLayout
{
    /// <summary>
    /// <paramref name="images"/> ([B, C, H, W]) in channels-last order when it lives on the CPU (a copy, unless it
    /// already is); otherwise <paramref name="images"/> itself.
    /// </summary>
    public static Tensor Arrange(Tensor images)
    {
        if (images.device_type != DeviceType.CPU || images.dim() != 4 || IsChannelsLast(images))
            return images;
        // permute to [B, H, W, C], make that contiguous, and view it back as [B, C, H, W] with NHWC strides.
        return images.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    /// <summary>True when <paramref name="images"/> ([B, C, H, W]) is laid out densely with the channels innermost.</summary>
    public static bool IsChannelsLast(Tensor images)
    {
        if (images.dim() != 4)
            return false;
        long channels = images.shape[1], height = images.shape[2], width = images.shape[3];
        var strides = images.stride();
        return strides[1] == 1 && strides[3] == channels && strides[2] == width * channels
            && (images.shape[0] == 1 || strides[0] == height * width * channels);
    }
}
