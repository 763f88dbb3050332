using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>The weight initialisation shared by every network family.</summary>
internal static class NetworkInitialization
{
    /// <summary>
    /// Initialises every convolution and linear layer of <paramref name="network"/> from the global torch generator (seed
    /// it with <c>torch.manual_seed</c> first for reproducible networks); <see cref="BatchNormalization"/> starts as the
    /// identity by construction.
    /// </summary>
    /// <remarks>
    /// <c>zeros_</c>, not <c>constant_(bias, 0)</c>: a number passed to TorchSharp becomes a temporary scalar that a
    /// collection on another thread can free while LibTorch reads it (see <see cref="KeptScalars"/>).
    /// </remarks>
    public static void Apply(nn.Module network)
    {
        foreach (var (_, module) in network.named_modules())
        {
            switch (module)
            {
                case TorchSharp.Modules.Conv2d conv:
                    // He et al. 2015 ("Delving Deep into Rectifiers", arXiv:1502.01852): N(0, 2 / fan_out), the choice
                    // of torchvision's resnet.py/densenet.py and of the WRN reference code, since ReLU follows.
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    break;
                case TorchSharp.Modules.Linear linear:
                    // Weights keep PyTorch's default (Kaiming uniform); a zero bias starts with no class preferred,
                    // as torchvision's densenet.py and the WRN reference code do.
                    if (linear.bias is not null)
                    {
                        nn.init.zeros_(linear.bias);
                    }
                    break;
            }
        }
    }
}
