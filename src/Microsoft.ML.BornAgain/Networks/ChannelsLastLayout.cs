using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// Channels-last (NHWC) memory order for the image batches the networks see on the CPU. The shape stays
/// [B, C, H, W] and only the strides change, so networks, losses and saved weights are untouched; but LibTorch's
/// oneDNN convolutions take their NHWC path, which made a PreActResNet-20 training step about 20% faster than the
/// default order (docs/performance.md). The weights stay NCHW: converting them too gained nothing in training, and
/// TorchSharp can only save contiguous tensors.
/// </summary>
/// <remarks>
/// <para>
/// The strides are set explicitly, <c>[H*W*C, 1, W*C, C]</c>, for every channel count. With one channel the default
/// and the channels-last strides describe the same bytes, and the usual way of making a tensor channels-last (permute
/// to NHWC, make it contiguous, permute back) copies nothing and leaves the NCHW strides; LibTorch then reads the
/// batch as NCHW and runs the whole network in oneDNN's blocked layouts, where channel counts that are not a multiple
/// of the vector width (DenseNet-BC's growth of 8 or 12 channels, its compressed transitions) are padded to a whole
/// block. A grayscale DenseNet-BC took that path, and only that network and channel count did: there LibTorch's
/// convolutions compute wrong input gradients, NaN among them, differently on each run (docs/reproducibility.md). With
/// explicit strides every network takes the NHWC path, whatever its input's channel count.
/// </para>
/// <para>
/// Other devices keep the default order: cuDNN's choice between the layouts depends on the GPU and the precision,
/// and no GPU was available to measure it (docs/gpu.md).
/// </para>
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
        using var scope = NewDisposeScope();
        long batch = images.shape[0], channels = images.shape[1], height = images.shape[2], width = images.shape[3];
        var pixels = images.permute(0, 2, 3, 1).contiguous(); // [B, H, W, C], dense
        // View the dense NHWC bytes as [B, C, H, W] with strides written out, not derived from a permute: with one
        // channel a permute would hand back the NCHW strides (see the remarks).
        return pixels.as_strided(new[] { batch, channels, height, width },
            new[] { height * width * channels, 1, width * channels, channels }, pixels.storage_offset())
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// True when <paramref name="images"/> ([B, C, H, W]) is laid out densely with the channels innermost, with the
    /// channel stride 1 even when there is one channel (the strides LibTorch reads as channels-last).
    /// </summary>
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
