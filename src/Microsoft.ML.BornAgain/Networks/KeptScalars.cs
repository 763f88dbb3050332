using TorchSharp;

namespace Microsoft.ML.BornAgain.Networks;

/// <summary>
/// Scalars held for the life of the process, for the element-wise operations of the forward pass.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 turns a number into a <see cref="Scalar"/> (a managed object owning a native <c>at::Scalar</c>)
/// and passes only its native handle to LibTorch; even <c>a + b</c> on two tensors makes one, for <c>alpha = 1</c>.
/// Once the handle is read the managed object is garbage to the runtime, so a collection started by another thread
/// while LibTorch is still adding can finalize it and free the native scalar mid-call: LibTorch then fails with
/// "Expected false to be true" from <c>Scalar::toFloat</c>, or reads whatever took the freed memory. It was seen in
/// the test suite, on a residual addition while a study evaluated, and on the augmentation's index addition (an
/// integer 1 whose freed memory held a float by then: "alpha must not be a floating point number"). A scalar kept in
/// a static field is never collected; elsewhere the library holds its scalars with <c>using</c> for the call, steps
/// SGD itself (<see cref="Training.MomentumSgd"/>) and normalizes batches itself (<see cref="BatchNormalization"/>);
/// a test reads the library's IL, and TorchSharp's, for any scalar left unheld.
/// </remarks>
internal static class KeptScalars
{
    /// <summary>1, the <c>alpha</c> of an addition or subtraction of two tensors.</summary>
    public static readonly Scalar One = 1;

    /// <summary>0, the start of a range.</summary>
    public static readonly Scalar Zero = 0;
}
