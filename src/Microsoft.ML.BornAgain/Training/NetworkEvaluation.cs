using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>Loss and accuracy of one network on labelled data, in evaluation mode.</summary>
internal static class NetworkEvaluation
{
    /// <summary>Returns (mean cross-entropy with the labels, accuracy).</summary>
    public static (double Loss, double Accuracy) Evaluate(nn.Module<Tensor, Tensor> network, ImageTensorDataset data,
        ChannelNormalization normalization, Device device, int batchSize)
    {
        bool wasTraining = network.training;
        network.eval();
        try
        {
            double lossSum = 0;
            long correct = 0;
            using var inference = inference_mode();
            for (long start = 0; start < data.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long length = Math.Min(batchSize, data.Count - start);
                var images = normalization.ToNetworkInput(data.Images.narrow(0, start, length), device);
                var labels = data.Labels.narrow(0, start, length).to(device);
                var logits = network.call(images); // [B, classes]
                lossSum += nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
                correct += logits.argmax(1).eq(labels).sum().item<long>();
            }
            return (lossSum / data.Count, (double)correct / data.Count);
        }
        finally
        {
            network.train(wasTraining);
        }
    }
}
