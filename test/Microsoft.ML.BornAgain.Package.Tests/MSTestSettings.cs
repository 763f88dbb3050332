// Each test drives dotnet builds and LibTorch processes on a 2-core machine: one at a time is faster than contention.
[assembly: DoNotParallelize]
