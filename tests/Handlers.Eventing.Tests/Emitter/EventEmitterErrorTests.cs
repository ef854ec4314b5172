namespace Handlers.Eventing.Tests.Emitter;

/// <summary>The special <see cref="EventEmitter.ErrorEvent"/> and <see cref="EventEmitter.ErrorMonitor"/>.</summary>
public class EventEmitterErrorTests
{
    private readonly List<string> _log = [];

    [Fact]
    public void Emit_ErrorEventWithoutListener_ThrowsTheSameExceptionObject()
    {
        // Node: emit('error', new Error('whoops!')) with no listener throws.
        var emitter = new EventEmitter();
        var whoops = new InvalidOperationException("whoops!");

        var thrown = Assert.Throws<InvalidOperationException>(() => emitter.Emit(EventEmitter.ErrorEvent, whoops));

        Assert.Same(whoops, thrown);
    }

    [Fact]
    public void Emit_ErrorEventWithListener_CallsItAndDoesNotThrow()
    {
        // Node: on('error', err => console.log('whoops! there was an error')); emit('error', ...)
        var emitter = new EventEmitter();
        var whoops = new InvalidOperationException("whoops!");
        Exception? received = null;
        emitter.On(EventEmitter.ErrorEvent, ex => received = ex);

        var result = emitter.Emit(EventEmitter.ErrorEvent, whoops);

        Assert.True(result);
        Assert.Same(whoops, received);
    }

    [Fact]
    public void Emit_ErrorEventWithoutListener_RunsErrorMonitorFirstThenThrows()
    {
        var emitter = new EventEmitter();
        var whoops = new InvalidOperationException("whoops!");
        Exception? monitored = null;
        emitter.On(EventEmitter.ErrorMonitor, ex => monitored = ex);

        var thrown = Assert.Throws<InvalidOperationException>(() => emitter.Emit(EventEmitter.ErrorEvent, whoops));

        Assert.Same(whoops, thrown);
        Assert.Same(whoops, monitored);
    }

    [Fact]
    public void Emit_ErrorEventWithListener_RunsErrorMonitorBeforeTheListeners()
    {
        var emitter = new EventEmitter();
        emitter.On(EventEmitter.ErrorEvent, _ => _log.Add("error"));
        emitter.On(EventEmitter.ErrorMonitor, _ => _log.Add("monitor"));

        emitter.Emit(EventEmitter.ErrorEvent, new InvalidOperationException());

        Assert.Equal(["monitor", "error"], _log);
    }

    [Fact]
    public void Emit_ErrorEventWithOnceListener_SecondEmitThrows()
    {
        var emitter = new EventEmitter();
        var calls = 0;
        emitter.Once(EventEmitter.ErrorEvent, _ => calls++);

        emitter.Emit(EventEmitter.ErrorEvent, new InvalidOperationException("first"));
        var second = new InvalidOperationException("second");
        var thrown = Assert.Throws<InvalidOperationException>(() => emitter.Emit(EventEmitter.ErrorEvent, second));

        Assert.Same(second, thrown);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Emit_ErrorMonitorOnly_DoesNotCountAsHandling()
    {
        var emitter = new EventEmitter();
        emitter.On(EventEmitter.ErrorMonitor, _ => { });

        Assert.Throws<TimeoutException>(() => emitter.Emit(EventEmitter.ErrorEvent, new TimeoutException()));
    }

    [Fact]
    public void Emit_ErrorMonitorDirectly_IsAnOrdinaryEvent()
    {
        var emitter = new EventEmitter();

        Assert.False(emitter.Emit(EventEmitter.ErrorMonitor, new InvalidOperationException()));
    }

    [Fact]
    public void ErrorEvent_Keys_AreDistinctFromKeysWithTheSameName()
    {
        var emitter = new EventEmitter();
        var lookalike = new EventKey<Exception>("error");

        // Only the emitter's own ErrorEvent is special: an unrelated key named "error" just reports no listener.
        Assert.False(emitter.Emit(lookalike, new InvalidOperationException()));
        Assert.Equal("error", EventEmitter.ErrorEvent.Name);
    }
}
