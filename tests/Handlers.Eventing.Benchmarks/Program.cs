using BenchmarkDotNet.Running;
using Handlers.Eventing.Benchmarks.Calls;

// `dotnet run -c Release --project tests/Handlers.Eventing.Benchmarks -- loopback [MiB] [rounds]` runs the socket harness;
// anything else goes to BenchmarkDotNet (for example `-- --filter '*PerCall*'`).
if (args.Length > 0 && args[0] == "loopback")
{
    return await LoopbackHarness.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
