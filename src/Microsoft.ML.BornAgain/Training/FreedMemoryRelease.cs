using System.Runtime.InteropServices;

namespace Microsoft.ML.BornAgain.Training;

/// <summary>
/// Keeps the native memory of a training run from piling up: every few steps, a generation-0 collection frees the
/// small native objects TorchSharp leaves to the garbage collector; after every epoch, glibc hands the freed pages
/// back to the operating system.
/// </summary>
/// <remarks>
/// <para>
/// Every few steps: TorchSharp leaves some native objects to their finalizers (when this was measured, above all the
/// <c>Scalar</c>s of its SGD step, a few per parameter and step; <see cref="MomentumSgd"/> now keeps its own, and
/// the collection stays for the rest, such as the scalars of the losses and augmentation, until measured again). A step
/// allocates only about 150 KB of managed memory, so the garbage collector would run once in dozens of steps; until
/// then those small blocks sit between LibTorch's freed activation buffers and glibc cannot reuse the space, so it
/// keeps taking fresh pages. Measured on the benchmark machine (PreActResNet-20, batch 64, 2 threads, 80 steps of a
/// raw loop): RSS rose by about 6.5 MB per step to 812 MB with a live set near 420 MB; with a collection after every
/// step it stayed at 415–420 MB, every 5 steps it peaked at 455 MB, every 20 at 549 MB. Through the estimator
/// (5,000 images, a teacher and a student, 2 epochs each) a collection after every step cost the students 15–20% of
/// their speed (glibc then hands memory back and the next step faults it in again); every 4 steps took the peak from
/// 1,241 MB to 747 MB, for more page faults (2.75 million against 1.21 million, about 8 s more system time over the
/// 100 s run).
/// </para>
/// <para>
/// After every epoch: LibTorch frees activations with <c>free</c>, and glibc keeps the freed blocks in its arenas;
/// <c>malloc_trim(0)</c> returns their free pages (the benchmark's RSS after each of six epochs went from
/// 520–900 MB to 217–232 MB). Once per epoch, not per step: per step it cost about 0.2 s of system time each, the
/// next step faulting the same pages back in. Elsewhere than Linux with glibc (Windows, macOS, musl) there is no
/// <c>malloc_trim</c> and only the collection happens.
/// </para>
/// </remarks>
internal static class FreedMemoryRelease
{
    private static bool s_noMallocTrim = !OperatingSystem.IsLinux();

    /// <summary>Training steps between two generation-0 collections.</summary>
    public const int StepsPerCollection = 4;

    /// <summary>
    /// After training step <paramref name="step"/> (counted from 1 within the epoch): every
    /// <see cref="StepsPerCollection"/> steps, collects generation 0 so the finalizers of TorchSharp's native objects run.
    /// </summary>
    public static void AfterStep(int step)
    {
        if (step % StepsPerCollection == 0)
        {
            using var collecting = TrainingActivities.Start(TrainingActivities.Collect);
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        }
    }

    /// <summary>After an epoch: returns the free pages of every glibc arena to the operating system, where glibc is the C library.</summary>
    public static void AfterEpoch()
    {
        if (s_noMallocTrim)
            return;
        try
        {
            using var trimming = TrainingActivities.Start(TrainingActivities.MallocTrim);
            MallocTrim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            s_noMallocTrim = true; // musl and other C libraries have no malloc_trim
        }
    }

    // DllImport rather than LibraryImport: an int and a size_t need no marshalling, and the library stays free of unsafe code.
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
