using BenchmarkDotNet.Running;
using Handlers.Eventing.Benchmarks.Loopback;

// `dotnet run -c Release --project tests/Handlers.Eventing.Benchmarks -- loopback <percall|streaming|logging|all> ...` runs the
// real-socket harness (Loopback/LoopbackCommand.cs);
// `-- alloc [calls]` and `-- chunk [rounds] [reads]` run the probes (Probes/); anything else goes to BenchmarkDotNet (for example `-- --filter '*PerCall*'`).
if (args.Length > 0 && args[0] == "loopback")
{
    return await LoopbackCommand.RunAsync(args);
}

if (args.Length > 0 && args[0] == "alloc")
{
    return Handlers.Eventing.Benchmarks.Probes.AllocationProbe.Run(args);
}

if (args.Length > 0 && args[0] == "chunk")
{
    return await Handlers.Eventing.Benchmarks.Probes.ChunkProbe.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
