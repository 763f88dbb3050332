// TorchSharp keeps process-wide state (seed, thread count): tests run one at a time.
[assembly: DoNotParallelize]
