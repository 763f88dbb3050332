// TorchSharp keeps process-wide state and the machine has 2 cores: tests run one at a time (the concurrency test
// makes its own parallel requests).
[assembly: DoNotParallelize]
