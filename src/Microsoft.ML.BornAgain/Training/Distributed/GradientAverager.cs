using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training.Distributed;

/// <summary>
/// Averages the gradients of every parameter over the ranks with one allreduce per step: the gradients are copied,
/// weighted by this rank's share of the global batch, into one flat float buffer, summed over the ranks in place, and
/// copied back. Three more values ride along in the same buffer: the weighted loss (so every rank sees the global
/// batch's loss and stops together when it diverges), the correct count, and a cancellation flag (so a cancel on any
/// rank stops every rank at the same step).
/// </summary>
internal sealed class GradientAverager : IDisposable
{
    private const int Extras = 3;
    private readonly DataParallelGroup _group;
    private readonly Parameter[] _parameters;
    private readonly long[] _offsets;
    private readonly long _gradientCount;
    private readonly Tensor _flat;

    public GradientAverager(DataParallelGroup group, IEnumerable<Parameter> parameters)
    {
        _group = group;
        _parameters = parameters.ToArray();
        _offsets = new long[_parameters.Length];
        long offset = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            _offsets[i] = offset;
            offset = checked(offset + _parameters[i].numel());
        }

        _gradientCount = offset;
        _flat = zeros(checked(offset + Extras), ScalarType.Float32); // on the CPU: MPI reads host memory
    }

    /// <summary>The values one allreduce carries per step (gradients and the three extras).</summary>
    public long BufferLength => _gradientCount + Extras;

    /// <summary>The outcome of one averaged step.</summary>
    public readonly record struct Step(double Loss, long Correct, bool Canceled);

    /// <summary>
    /// Replaces every parameter's gradient with the weighted sum over the ranks. <paramref name="weight"/> is this rank's
    /// rows over the global batch's rows; a rank with no rows in the step passes 0 and contributes no gradient.
    /// </summary>
    public unsafe Step Average(double weight, double loss, long correct, bool canceled)
    {
        using var noGrad = no_grad();
        using (var scope = NewDisposeScope())
        {
            var gradients = _flat.narrow(0, 0, _gradientCount);
            if (weight == 0)
            {
                gradients.zero_();
            }
            else
            {
                for (int i = 0; i < _parameters.Length; i++)
                {
                    var slice = _flat.narrow(0, _offsets[i], _parameters[i].numel());
                    if (_parameters[i].grad is { } gradient)
                        slice.view(gradient.shape).copy_(gradient);
                    else
                        slice.zero_();
                }
                using Scalar w = weight; // held until LibTorch is done with it
                gradients.mul_(w);
            }
        }

        // The tensor's own (native, CPU) memory is the MPI buffer: no managed copy.
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_flat.bytes);
        var extras = values.Slice((int)_gradientCount);
        extras[0] = (float)(loss * weight);
        extras[1] = correct;
        extras[2] = canceled ? 1 : 0;
        fixed (float* pointer = values)
            _group.Sum((IntPtr)pointer, BufferLength);

        using (var scope = NewDisposeScope())
        {
            for (int i = 0; i < _parameters.Length; i++)
            {
                var parameter = _parameters[i];
                var averaged = _flat.narrow(0, _offsets[i], parameter.numel()).view(parameter.shape);
                if (parameter.grad is { } gradient)
                    gradient.copy_(averaged);
                else
                    parameter.grad = averaged.to(parameter.device, copy: true).DetachFromDisposeScope();
            }
        }

        return new Step(extras[0], (long)Math.Round(extras[1]), extras[2] > 0);
    }

    public void Dispose() => _flat.Dispose();
}
