using System.Runtime.CompilerServices;

namespace Handlers.Eventing.Tests.Emitter;

/// <summary>Principle 4: emitting allocates nothing on the steady path.</summary>
public class EventEmitterAllocationTests
{
    private const int Emits = 10_000;

    private static readonly EventKey<int> Event = new("tick");
    private static readonly EventKey<Progress> ProgressEvent = new("progress");

    private long _sum;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Emit_SteadyState_AllocatesNothing(int listenerCount)
    {
        var emitter = new EventEmitter();
        for (var i = 0; i < listenerCount; i++)
        {
            emitter.On(Event, value => _sum += value);
        }

        EmitMany(emitter);
        var before = GC.GetAllocatedBytesForCurrentThread();
        EmitMany(emitter);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(2L * Emits * (Emits - 1) / 2 * listenerCount, _sum);
    }

    [Fact]
    public void Emit_StructArgs_AllocatesNothing()
    {
        var emitter = new EventEmitter();
        emitter.On(ProgressEvent, p => _sum += p.Loaded).On(ProgressEvent, p => _sum += p.Total);
        emitter.On(Event, _ => { }); // another key, so the lookup has to scan

        EmitManyProgress(emitter);
        var before = GC.GetAllocatedBytesForCurrentThread();
        EmitManyProgress(emitter);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Emit_NoListener_AllocatesNothing()
    {
        var emitter = new EventEmitter();
        var results = 0;
        for (var i = 0; i < 100; i++)
        {
            results += emitter.Emit(Event, i) ? 1 : 0;
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Emits; i++)
        {
            results += emitter.Emit(Event, i) ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, results);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EmitMany(EventEmitter emitter)
    {
        for (var i = 0; i < Emits; i++)
        {
            emitter.Emit(Event, i);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EmitManyProgress(EventEmitter emitter)
    {
        for (var i = 0; i < Emits; i++)
        {
            emitter.Emit(ProgressEvent, new Progress(i, 2L * i));
        }
    }

    private readonly record struct Progress(long Loaded, long Total);
}
