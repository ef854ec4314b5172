using BenchmarkDotNet.Attributes;

namespace Handlers.Eventing.Benchmarks.Emitter;

/// <summary>
/// <see cref="EventEmitter.Emit{TArgs}"/> with one listener against invoking the same delegate directly.
/// Each invocation runs <see cref="Operations"/> calls so the per-call figure is measurable. Targets: Ratio ≤ 2, 0 B.
/// </summary>
[MemoryDiagnoser]
public class EmitBenchmarks
{
    public const int Operations = 1000;

    private static readonly EventKey<int> Tick = new("tick");

    private readonly EventEmitter _emitter = new();
    private Action<int> _listener = null!;
    private Action<int>[] _listeners = null!;
    private int _sum;

    [GlobalSetup]
    public void Setup()
    {
        _listener = value => _sum += value;
        _emitter.On(Tick, _listener);
        _listeners = [_listener];
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public int InvokeDelegateArray()
    {
        for (var i = 0; i < Operations; i++)
        {
            foreach (var listener in _listeners)
            {
                listener(i);
            }
        }

        return _sum;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public int InvokeDelegate()
    {
        for (var i = 0; i < Operations; i++)
        {
            _listener(i);
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
