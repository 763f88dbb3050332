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
    /// <exception cref="OverflowException">
    /// The count does not fit in a <see cref="long"/> (a name such as <c>PreActResNet-545390216-1024</c> parses, but no
    /// machine could hold its network). The arithmetic is checked, so a huge architecture never wraps to a small or
    /// negative count that would pass a caller's "at most N parameters" bound; it is also closed-form per stage, so a
    /// huge depth costs no time.
    /// </exception>
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
        checked
        {
            long blocksPerStage = Family == NetworkFamily.WideResNet ? (Depth - 4) / 6 : (Depth - 2) / 6;
            long channels = 16;
            long count = Conv(inputChannels, channels, 3);
            foreach (var (stageWidth, stride) in new[] { (16, 1), (32, 2), (64, 2) })
            {
                long width = stageWidth * (long)WidthFactor;
                // The first block of a stage may change the shape (1x1 projection); the others repeat one shape.
                bool projection = channels != width || stride != 1;
                count += Block(channels, width) + (projection ? Conv(channels, width, 1) : 0);
                count += (blocksPerStage - 1) * Block(width, width);
                channels = width;
            }
            return count + BatchNorm(channels) + Linear(channels, classCount);
        }

        static long Block(long input, long width) => checked(BatchNorm(input) + Conv(input, width, 3) + BatchNorm(width) + Conv(width, width, 3));
    }

    private long CountDenseNetBC(int inputChannels, int classCount)
    {
        checked
        {
            long layersPerBlock = (Depth - 4) / 6;
            long growth = GrowthRate;
            long bottleneck = DenseLayer.BottleneckFactor * growth;
            long channels = 2 * growth;
            long count = Conv(inputChannels, channels, 3);
            for (int block = 0; block < 3; block++)
            {
                // Layer i sees channels + i * growth inputs: BN(c) + Conv1x1(c -> b) + BN(b) + Conv3x3(b -> k) is
                // (2 + b) * c + 2b + 9bk, summed in closed form over the block's layers.
                long inputsSum = layersPerBlock * channels + growth * (layersPerBlock * (layersPerBlock - 1) / 2);
                count += (2 + bottleneck) * inputsSum + layersPerBlock * (BatchNorm(bottleneck) + Conv(bottleneck, growth, 3));
                channels += layersPerBlock * growth;
                if (block < 2)
                {
                    long compressed = Transition.OutputChannels(checked((int)channels), Compression);
                    count += BatchNorm(channels) + Conv(channels, compressed, 1);
                    channels = compressed;
                }
            }
            return count + BatchNorm(channels) + Linear(channels, classCount);
        }
    }

    private static long Conv(long input, long output, int kernel) => checked(input * output * kernel * kernel); // no biases

    private static long BatchNorm(long channels) => checked(2 * channels); // weight and bias; running statistics are buffers

    private static long Linear(long input, long output) => checked(input * output + output);
}
