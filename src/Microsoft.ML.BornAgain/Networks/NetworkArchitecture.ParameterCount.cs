using Microsoft.ML.BornAgain.Networks;

namespace Microsoft.ML.BornAgain;

public sealed partial record NetworkArchitecture
{
    /// <summary>
    /// The number of trainable parameters of <see cref="CreateNetwork"/>'s network, computed from the architecture
    /// alone (nothing is allocated): for reports, and to bound what a model file may ask to allocate.
    /// </summary>
    /// <param name="inputChannels">Channels of the input images; at least 1.</param>
    /// <param name="classCount">Number of classes; at least 1.</param>
    public long CountParameters(int inputChannels, int classCount)
    {
        RequireAtLeastOne(inputChannels, nameof(inputChannels));
        RequireAtLeastOne(classCount, nameof(classCount));
        return Family == NetworkFamily.DenseNetBC
            ? CountDenseNetBC(inputChannels, classCount)
            : CountPreActivationResNet(inputChannels, classCount);
    }

    /// <summary>Pre-activation ResNet and WRN share one layout: a 16-channel stem and three stages of basic blocks.</summary>
    private long CountPreActivationResNet(int inputChannels, int classCount)
    {
        int blocksPerStage = Family == NetworkFamily.WideResNet ? (Depth - 4) / 6 : (Depth - 2) / 6;
        long channels = 16;
        long count = Conv(inputChannels, channels, 3);
        foreach (var (stageWidth, stride) in new[] { (16, 1), (32, 2), (64, 2) })
        {
            long width = (long)stageWidth * WidthFactor;
            for (int block = 0; block < blocksPerStage; block++)
            {
                bool projection = channels != width || (block == 0 && stride != 1);
                count += BatchNorm(channels) + Conv(channels, width, 3) + BatchNorm(width) + Conv(width, width, 3)
                    + (projection ? Conv(channels, width, 1) : 0);
                channels = width;
            }
        }
        return count + BatchNorm(channels) + Linear(channels, classCount);
    }

    private long CountDenseNetBC(int inputChannels, int classCount)
    {
        int layersPerBlock = (Depth - 4) / 6;
        long bottleneck = (long)DenseLayer.BottleneckFactor * GrowthRate;
        int channels = 2 * GrowthRate;
        long count = Conv(inputChannels, channels, 3);
        for (int block = 0; block < 3; block++)
        {
            for (int layer = 0; layer < layersPerBlock; layer++)
            {
                count += BatchNorm(channels) + Conv(channels, bottleneck, 1) + BatchNorm(bottleneck) + Conv(bottleneck, GrowthRate, 3);
                channels += GrowthRate;
            }
            if (block < 2)
            {
                int compressed = Transition.OutputChannels(channels, Compression);
                count += BatchNorm(channels) + Conv(channels, compressed, 1);
                channels = compressed;
            }
        }
        return count + BatchNorm(channels) + Linear(channels, classCount);
    }

    private static long Conv(long input, long output, int kernel) => input * output * kernel * kernel; // no biases

    private static long BatchNorm(long channels) => 2 * channels; // weight and bias; running statistics are buffers

    private static long Linear(long input, long output) => input * output + output;
}
