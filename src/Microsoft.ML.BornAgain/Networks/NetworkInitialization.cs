using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>The weight initialisation shared by every network family.</summary>
internal static class NetworkInitialization
{
    /// <summary>
    /// Initialises every convolution, batch norm and linear layer of <paramref name="network"/> from the global torch
    /// generator (seed it with <c>torch.manual_seed</c> first for reproducible networks).
    /// </summary>
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
                case TorchSharp.Modules.BatchNorm2d batchNorm:
                    // Identity affine transform at start (Ioffe and Szegedy 2015; torchvision does the same).
                    nn.init.constant_(batchNorm.weight, 1);
                    if (batchNorm.bias is not null)
                    {
                        nn.init.constant_(batchNorm.bias, 0);
                    }
                    break;
                case TorchSharp.Modules.Linear linear:
                    // Weights keep PyTorch's default (Kaiming uniform); a zero bias starts with no class preferred,
                    // as torchvision's densenet.py and the WRN reference code do.
                    if (linear.bias is not null)
                    {
                        nn.init.constant_(linear.bias, 0);
                    }
                    break;
            }
        }
    }
}
