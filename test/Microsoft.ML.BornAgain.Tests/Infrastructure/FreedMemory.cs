using static TorchSharp.torch;

namespace Microsoft.ML.BornAgain.Tests.Infrastructure;

/// <summary>Leaves the native heap's free memory holding NaN, so that a kernel reading memory it never wrote shows it.</summary>
/// <remarks>
/// LibTorch takes CPU tensors from the C allocator, which hands freed blocks out again without clearing them. A fresh
/// process reads zeros there, and a kernel that forgets to write some lanes can pass; after this it reads NaN. All the
/// blocks are allocated before any is freed, so that they are distinct blocks, from 1 KiB to 4 MiB: freeing the large
/// ones also raises glibc's threshold for serving blocks from the heap rather than from fresh zeroed pages.
/// </remarks>
internal static class FreedMemory
{
    public static void FillWithNaN()
    {
        var blocks = new List<Tensor>();
        for (long bytes = 1024; bytes <= 4 << 20; bytes *= 2)
        {
            for (int copy = 0; copy < 4; copy++)
                blocks.Add(full(bytes / sizeof(float), float.NaN));
        }

        foreach (var block in blocks)
            block.Dispose();
    }
}
