namespace Microsoft.ML.BornAgain;

/// <summary>The convolutional network families a Born-Again run can train.</summary>
/// <remarks>
/// All three are pre-activation networks for small images (CIFAR-style stems, three stages), as used by
/// Furlanello et al., "Born Again Neural Networks" (ICML 2018), Sec. 4.1 and Tables 1-5.
/// </remarks>
public enum NetworkFamily
{
    /// <summary>
    /// Pre-activation residual network (He et al. 2016, "Identity Mappings in Deep Residual Networks",
    /// arXiv:1603.05027): depth 6n+2, stages of 16/32/64 channels times a width factor.
    /// </summary>
    PreActResNet,

    /// <summary>
    /// Wide residual network WRN-d-k (Zagoruyko and Komodakis 2016, arXiv:1605.07146): depth 6n+4,
    /// stages of 16k/32k/64k channels, optional dropout between the two convolutions of a block.
    /// </summary>
    WideResNet,

    /// <summary>
    /// DenseNet-BC (Huang et al. 2017, "Densely Connected Convolutional Networks", arXiv:1608.06993):
    /// bottleneck dense layers with growth rate k, depth 6n+4, transitions with compression theta.
    /// </summary>
    DenseNetBC,
}
