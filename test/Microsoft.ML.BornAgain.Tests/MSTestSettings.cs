// TorchSharp keeps process-wide state (seed, thread count, default device): tests run one at a time.
[assembly: DoNotParallelize]
