using Microsoft.ML.BornAgain.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Stochastic gradient descent with momentum, optional Nesterov momentum and weight decay, stepped by the library:
/// the arithmetic of PyTorch's (and TorchSharp's) <c>SGD</c> with no dampening, operation for operation, so the
/// weights are the same bit for bit.
/// </summary>
/// <remarks>
/// TorchSharp's own SGD step turns weight decay, momentum and the learning rate into temporary <see cref="Scalar"/>
/// objects for every parameter and step and hands LibTorch only their native handles; a collection started by another
/// thread during the call can free one that LibTorch is still reading (see <see cref="KeptScalars"/>). Here every
/// scalar lives in a field for as long as the optimizer does.
/// </remarks>
internal sealed class MomentumSgd : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor?[] _momentumBuffers;
    private readonly bool _nesterov;
    private readonly bool _hasMomentum;
    private readonly bool _hasWeightDecay;
    private readonly Scalar _momentum;
    private readonly Scalar _weightDecay;
    private Scalar _negativeLearningRate;
    private double _learningRate;

    public MomentumSgd(IEnumerable<Parameter> parameters, double learningRate, double momentum, double weightDecay, bool nesterov)
    {
        _parameters = parameters.ToArray();
        _momentumBuffers = new Tensor?[_parameters.Length];
        _nesterov = nesterov;
        _hasMomentum = momentum != 0;
        _hasWeightDecay = weightDecay != 0;
        _momentum = momentum;
        _weightDecay = weightDecay;
        _learningRate = learningRate;
        _negativeLearningRate = -learningRate;
    }

    /// <summary>The step size of the next <see cref="Step"/>.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            if (value == _learningRate)
                return;
            var previous = _negativeLearningRate;
            _negativeLearningRate = -value;
            _learningRate = value;
            previous.Dispose();
        }
    }

    /// <summary>Updates every parameter that has a gradient.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            using var scope = NewDisposeScope();
            var parameter = _parameters[i];
            var gradient = parameter.grad;
            if (gradient is null)
                continue;
            if (_hasWeightDecay)
                gradient = gradient.add(parameter, _weightDecay);
            if (_hasMomentum)
            {
                var buffer = _momentumBuffers[i];
                if (buffer is null)
                    _momentumBuffers[i] = buffer = gradient.clone().detach().DetachFromDisposeScope();
                else
                    buffer.mul_(_momentum).add_(gradient, KeptScalars.One); // alpha = 1 - dampening, dampening 0
                gradient = _nesterov ? gradient.add(buffer, _momentum) : buffer;
            }
            parameter.add_(gradient, _negativeLearningRate);
        }
    }

    /// <summary>Writes the momentum buffers: per parameter a flag, then its values as float32.</summary>
    public void SaveState(BinaryWriter writer)
    {
        writer.Write(_parameters.Length);
        foreach (var buffer in _momentumBuffers)
        {
            writer.Write(buffer is not null);
            if (buffer is null)
                continue;
            using var values = buffer.detach().cpu().to_type(ScalarType.Float32).contiguous();
            writer.Write(values.bytes);
        }
    }

    /// <summary>Reads what <see cref="SaveState"/> wrote, checking the count and every length against the parameters.</summary>
    /// <exception cref="InvalidDataException">The state does not belong to these parameters.</exception>
    public void LoadState(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count != _parameters.Length)
            throw new InvalidDataException($"The optimizer state holds {count} momentum buffers; the network has {_parameters.Length} parameters.");
        for (int i = 0; i < count; i++)
        {
            _momentumBuffers[i]?.Dispose();
            _momentumBuffers[i] = null;
            if (!reader.ReadBoolean())
                continue;
            var parameter = _parameters[i];
            long bytes = checked(parameter.numel() * sizeof(float));
            var data = reader.ReadBytes((int)bytes);
            if (data.Length != bytes)
                throw new InvalidDataException($"The momentum buffer of parameter {i} ends after {data.Length} of its {bytes} bytes.");
            var values = new float[parameter.numel()];
            Buffer.BlockCopy(data, 0, values, 0, data.Length);
            using var scope = NewDisposeScope();
            _momentumBuffers[i] = tensor(values).reshape(parameter.shape).to(parameter.dtype, parameter.device).DetachFromDisposeScope();
        }
    }

    public void Dispose()
    {
        foreach (var buffer in _momentumBuffers)
            buffer?.Dispose();
        _momentum.Dispose();
        _weightDecay.Dispose();
        _negativeLearningRate.Dispose();
    }
}
