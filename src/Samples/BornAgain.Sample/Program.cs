using Microsoft.ML.BornAgain.Sample;

// The README's first command: trains a teacher and born-again generations on CIFAR-10 images shipped in the
// repository, prints the paper-style table, writes a report folder and scores a few images with the saved model.
// `dotnet run --project src/Samples/BornAgain.Sample -c Release -- --help` lists the options.
return SampleCommand.Create().Parse(args).Invoke();
