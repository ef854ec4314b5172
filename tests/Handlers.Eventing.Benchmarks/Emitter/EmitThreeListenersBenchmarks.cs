using BenchmarkDotNet.Attributes;

namespace Handlers.Eventing.Benchmarks.Emitter;

/// <summary>
/// <see cref="EventEmitter.Emit{TArgs}"/> with three listeners against invoking the three delegates directly.
/// Each invocation runs <see cref="EmitBenchmarks.Operations"/> calls. Targets: Ratio ≤ 2, 0 B.
/// </summary>
[MemoryDiagnoser]
public class EmitThreeListenersBenchmarks
{
    private const int Operations = EmitBenchmarks.Operations;

    private static readonly EventKey<int> Tick = new("tick");

    private readonly EventEmitter _emitter = new();
    private Action<int> _first = null!;
    private Action<int> _second = null!;
    private Action<int> _third = null!;
    private int _sum;

    [GlobalSetup]
    public void Setup()
    {
        _first = value => _sum += value;
        _second = value => _sum ^= value;
        _third = value => _sum -= value >> 1;
        _emitter.On(Tick, _first).On(Tick, _second).On(Tick, _third);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public int InvokeDelegates()
    {
        for (var i = 0; i < Operations; i++)
        {
            _first(i);
            _second(i);
            _third(i);
        }

        return _sum;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public int Emit()
    {
        for (var i = 0; i < Operations; i++)
        {
            _emitter.Emit(Tick, i);
        }

        return _sum;
    }
}
