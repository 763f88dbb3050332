using Microsoft.ML.BornAgain.Networks;
using Microsoft.ML.BornAgain.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Networks;

/// <summary>
/// The library's batch norm against TorchSharp's <c>BatchNorm2d</c>, which it replaces: the same outputs, gradients and
/// running statistics, the same state_dict, and a conversion that reaches its tensors.
/// </summary>
[TestClass]
public sealed class BatchNormalizationTests
{
    [TestMethod]
    public void TrainingAndEvaluation_MatchTorchSharpsBatchNorm2d()
    {
        manual_seed(7);
        using var ours = new BatchNormalization(5);
        using var theirs = nn.BatchNorm2d(5);
        using var scope = NewDisposeScope();

        for (int step = 0; step < 3; step++)
        {
            var input = randn(4, 5, 3, 3).requires_grad_(true);
            var theirInput = input.detach().clone().requires_grad_(true);
            var output = ours.call(input);
            var theirOutput = theirs.call(theirInput);
            (output * output).sum().backward();
            (theirOutput * theirOutput).sum().backward();

            Assert.IsTrue(output.SameAs(theirOutput), $"training output, step {step}");
            Assert.IsTrue(input.grad!.SameAs(theirInput.grad!), $"input gradient, step {step}");
        }

        var state = ours.state_dict();
        var theirState = theirs.state_dict();
        CollectionAssert.AreEqual(theirState.Keys.ToList(), state.Keys.ToList());
        foreach (var (name, tensor) in theirState)
            Assert.IsTrue(state[name].SameAs(tensor), name);
        Assert.AreEqual(3L, state["num_batches_tracked"].item<long>());

        ours.eval();
        theirs.eval();
        var probe = randn(2, 5, 3, 3);
        Assert.IsTrue(ours.call(probe).SameAs(theirs.call(probe)), "evaluation output");
    }

    [TestMethod]
    public void ToAnotherType_ConvertsTheTensorsTheForwardPassUses()
    {
        using var layer = new BatchNormalization(3);
        layer.to(ScalarType.Float64);
        using var scope = NewDisposeScope();

        foreach (var training in new[] { true, false })
        {
            layer.train(training);
            var output = layer.call(randn(2, 3, 4, 4, ScalarType.Float64));
            Assert.AreEqual(ScalarType.Float64, output.dtype, training ? "training" : "evaluation");
        }

        var state = layer.state_dict();
        Assert.AreEqual(ScalarType.Float64, state["running_var"].dtype);
        Assert.AreEqual(ScalarType.Int64, state["num_batches_tracked"].dtype);
    }
}
