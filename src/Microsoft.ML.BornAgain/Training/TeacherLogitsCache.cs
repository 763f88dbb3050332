using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// The teacher's logits for every training image, computed once per generation when augmentation is off: without
/// random crops and flips the teacher sees the same input for an image in every epoch, and in evaluation mode its
/// output does not depend on the rest of the batch, so one inference pass replaces a teacher forward pass per step.
/// </summary>
internal static class TeacherLogitsCache
{
    /// <summary>Teacher logits [N, classes] on <paramref name="device"/>, in the dataset's order.</summary>
    public static Tensor Compute(nn.Module<Tensor, Tensor> teacher, ImageTensorDataset train,
        ChannelNormalization normalization, Device device, int batchSize)
    {
        teacher.eval();
        using var inference = inference_mode(); // no autograd bookkeeping at all: the logits are constants
        var batches = new List<Tensor>();
        try
        {
            for (long start = 0; start < train.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long length = Math.Min(batchSize, train.Count - start);
                var input = normalization.ToNetworkInput(train.Images.narrow(0, start, length), device);
                batches.Add(teacher.call(input).MoveToOuterDisposeScope()); // [B, classes]
            }
            return cat(batches, 0); // [N, classes]
        }
        finally
        {
            foreach (var batch in batches)
                batch.Dispose();
        }
    }
}
