using Microsoft.ML.BornAgain.Tests.Infrastructure;
using Microsoft.ML.BornAgain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Training;

/// <summary>
/// The library's SGD step gives the weights TorchSharp's (PyTorch's) SGD gives, bit for bit, and its saved momentum
/// continues a run exactly; a state for other parameters is refused.
/// </summary>
[TestClass]
[TestCategory(KernelPaths.Category)]
public sealed class MomentumSgdTests
{
    private static readonly double[] LearningRates = { 0.1, 0.1, 0.05, 0.02, 0.01 };

    [TestMethod]
    [DataRow(0.9, 5e-4, true)]
    [DataRow(0.9, 5e-4, false)]
    [DataRow(0.9, 0.0, true)]
    [DataRow(0.0, 5e-4, false)]
    public void Steps_SameWeightsAsTorchSharpSgd_BitForBit(double momentum, double weightDecay, bool nesterov)
    {
        using var data = TestImages.Dataset("train", TestImages.ThreeClasses, 4);
        using var reference = Network();
        using var network = Network();
        using var torchSharpSgd = optim.SGD(reference.parameters(), LearningRates[0], momentum, dampening: 0, weight_decay: weightDecay, nesterov: nesterov);
        using var ours = new MomentumSgd(network.parameters(), LearningRates[0], momentum, weightDecay, nesterov);

        foreach (var learningRate in LearningRates)
        {
            foreach (var group in torchSharpSgd.ParamGroups)
                group.LearningRate = learningRate;
            ours.LearningRate = learningRate;
            Backward(reference, data);
            torchSharpSgd.step();
            Backward(network, data);
            ours.Step();
        }

        AssertSameWeights(reference, network);
    }

    [TestMethod]
    public void SavedState_ContinuesTheRunExactly()
    {
        using var data = TestImages.Dataset("train", TestImages.ThreeClasses, 4);
        using var uninterrupted = Network();
        using var resumed = Network();
        using var first = new MomentumSgd(uninterrupted.parameters(), 0.1, 0.9, 5e-4, nesterov: true);
        for (int step = 0; step < 3; step++)
        {
            Backward(uninterrupted, data);
            first.Step();
        }
        var state = new MemoryStream();
        using (var writer = new BinaryWriter(state, System.Text.Encoding.UTF8, leaveOpen: true))
            first.SaveState(writer);
        resumed.load_state_dict(uninterrupted.state_dict());

        using var second = new MomentumSgd(resumed.parameters(), 0.1, 0.9, 5e-4, nesterov: true);
        state.Position = 0;
        using (var reader = new BinaryReader(state))
            second.LoadState(reader);
        Backward(uninterrupted, data);
        first.Step();
        Backward(resumed, data);
        second.Step();

        AssertSameWeights(uninterrupted, resumed);
    }

    [TestMethod]
    public void StateOfAnotherNetwork_IsRefusedNamingTheCounts()
    {
        using var small = NetworkArchitecture.PreActResNet(8).CreateNetwork(3, 3);
        using var wide = NetworkArchitecture.Parse("WRN-10-2").CreateNetwork(3, 3);
        using var saved = new MomentumSgd(wide.parameters(), 0.1, 0.9, 0, nesterov: false);
        var state = new MemoryStream();
        using (var writer = new BinaryWriter(state, System.Text.Encoding.UTF8, leaveOpen: true))
            saved.SaveState(writer);
        using var loading = new MomentumSgd(small.parameters(), 0.1, 0.9, 0, nesterov: false);

        state.Position = 0;
        var error = Assert.ThrowsExactly<InvalidDataException>(() => loading.LoadState(new BinaryReader(state)));
        StringAssert.Contains(error.Message, "momentum buffers");
    }

    private static nn.Module<Tensor, Tensor> Network()
    {
        manual_seed(11);
        return NetworkArchitecture.PreActResNet(8).CreateNetwork(3, 3);
    }

    private static void Backward(nn.Module<Tensor, Tensor> network, ImageTensorDataset data)
    {
        using var scope = NewDisposeScope();
        network.train();
        network.zero_grad();
        var input = (data.Images - 120) / 60;
        nn.functional.cross_entropy(network.call(input), data.Labels).backward();
    }

    private static void AssertSameWeights(nn.Module<Tensor, Tensor> expected, nn.Module<Tensor, Tensor> actual)
    {
        var expectedState = expected.state_dict();
        var actualState = actual.state_dict();
        var different = TensorComparison.DifferingEntries(expectedState, actualState);
        Assert.IsEmpty(different, $"differ: {string.Join(", ", different.Take(5))} ({KernelPaths.Current})");
    }
}
