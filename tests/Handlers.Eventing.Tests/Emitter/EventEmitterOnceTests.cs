namespace Handlers.Eventing.Tests.Emitter;

/// <summary><see cref="EventEmitter.Once{TArgs}"/> and <see cref="EventEmitter.PrependOnceListener{TArgs}"/>.</summary>
public class EventEmitterOnceTests
{
    private static readonly EventKey<string> Event = new("event");

    private readonly List<string> _log = [];

    [Fact]
    public void Once_EmittedTwice_RunsOnlyTheFirstTime()
    {
        // Node: once('event', () => console.log(++m)); emit -> 1; emit -> ignored
        var emitter = new EventEmitter();
        var m = 0;
        emitter.Once(Event, _ => m++);

        Assert.True(emitter.Emit(Event, "x"));
        Assert.False(emitter.Emit(Event, "x"));

        Assert.Equal(1, m);
    }

    [Fact]
    public void Once_Emitted_IsRemovedBeforeItIsInvoked()
    {
        var emitter = new EventEmitter();
        int? countInside = null;
        IReadOnlyList<Action<string>>? listenersInside = null;
        emitter.Once(Event, _ =>
        {
            countInside = emitter.ListenerCount(Event);
            listenersInside = emitter.Listeners(Event);
        });

        emitter.Emit(Event, "x");

        Assert.Equal(0, countInside);
        Assert.NotNull(listenersInside);
        Assert.Empty(listenersInside);
    }

    [Fact]
    public void Once_ReentrantEmitInsideTheListener_DoesNotRunItTwice()
    {
        var emitter = new EventEmitter();
        var calls = 0;
        var innerResult = true;
        emitter.Once(Event, _ =>
        {
            calls++;
            innerResult = emitter.Emit(Event, "inner");
        });

        emitter.Emit(Event, "outer");

        Assert.Equal(1, calls);
        Assert.False(innerResult);
    }

    [Fact]
    public void Once_ReentrantEmitFromAnEarlierListener_RunsTheOnceListenerOnlyOnce()
    {
        // The once-listener is in the outer snapshot and is claimed by the nested emit first.
        var emitter = new EventEmitter();
        emitter.On(Event, s =>
        {
            _log.Add("on:" + s);
            if (s == "outer")
            {
                emitter.Emit(Event, "inner");
            }
        });
        emitter.Once(Event, s => _log.Add("once:" + s));

        emitter.Emit(Event, "outer");

        Assert.Equal(["on:outer", "on:inner", "once:inner"], _log);
    }

    [Fact]
    public void PrependOnceListener_AfterOnce_RunsFirst()
    {
        // Node: once('foo', a); prependOnceListener('foo', b); emit -> b, a
        var emitter = new EventEmitter();
        emitter.Once(Event, _ => _log.Add("a"));
        emitter.PrependOnceListener(Event, _ => _log.Add("b"));

        emitter.Emit(Event, "x");
        emitter.Emit(Event, "x");

        Assert.Equal(["b", "a"], _log);
    }

    [Fact]
    public void Once_MixedWithOn_KeepsItsPositionAndLeavesTheOthers()
    {
        var emitter = new EventEmitter();
        emitter.On(Event, _ => _log.Add("1"));
        emitter.Once(Event, _ => _log.Add("once"));
        emitter.On(Event, _ => _log.Add("3"));

        emitter.Emit(Event, "x");
        emitter.Emit(Event, "x");

        Assert.Equal(["1", "once", "3", "1", "3"], _log);
    }

    [Fact]
    public void Once_SameDelegateTwice_RunsTwiceInOneEmit()
    {
        var emitter = new EventEmitter();
        var calls = 0;
        Action<string> listener = _ => calls++;
        emitter.Once(Event, listener).Once(Event, listener);

        emitter.Emit(Event, "x");
        emitter.Emit(Event, "x");

        Assert.Equal(2, calls);
    }

    [Fact]
    public void Listeners_OnceRegistration_ReturnsTheOriginalDelegate()
    {
        var emitter = new EventEmitter();
        Action<string> once = _ => { };
        Action<string> prependedOnce = _ => { };
        emitter.Once(Event, once).PrependOnceListener(Event, prependedOnce);

        var listeners = emitter.Listeners(Event);

        Assert.Equal(2, listeners.Count);
        Assert.Same(prependedOnce, listeners[0]);
        Assert.Same(once, listeners[1]);
    }

    [Fact]
    public void Off_OriginalOfOnceRegistration_RemovesIt()
    {
        var emitter = new EventEmitter();
        var calls = 0;
        Action<string> listener = _ => calls++;
        emitter.Once(Event, listener);

        emitter.Off(Event, listener);

        Assert.Equal(0, emitter.ListenerCount(Event));
        Assert.False(emitter.Emit(Event, "x"));
        Assert.Equal(0, calls);
    }

    [Fact]
    public void Off_MethodGroupOfOnceRegistration_RemovesIt()
    {
        var emitter = new EventEmitter();
        emitter.PrependOnceListener(Event, Handler);

        emitter.Off(Event, Handler);

        Assert.Equal(0, emitter.ListenerCount(Event));
    }

    [Fact]
    public void Off_SameDelegateOnThenOnce_RemovesTheMostRecentOnceRegistration()
    {
        var emitter = new EventEmitter();
        var calls = 0;
        Action<string> listener = _ => calls++;
        emitter.On(Event, listener).Once(Event, listener);

        emitter.Off(Event, listener);
        emitter.Emit(Event, "x");
        emitter.Emit(Event, "x");

        // The persistent registration is the one left: it ran on both emits.
        Assert.Equal(2, calls);
        Assert.Equal(1, emitter.ListenerCount(Event, listener));
    }

    [Fact]
    public void ListenerCount_OnceRegistrations_CountedByTheirOriginal()
    {
        var emitter = new EventEmitter();
        Action<string> listener = _ => { };
        emitter.On(Event, listener).Once(Event, listener).PrependOnceListener(Event, listener);

        Assert.Equal(3, emitter.ListenerCount(Event, listener));
        Assert.Equal(3, emitter.ListenerCount(Event));
    }

    [Fact]
    public void Once_RemovedDuringEmitByAnEarlierListener_StillRunsInThatEmitAndNeverAgain()
    {
        var emitter = new EventEmitter();
        var removedEvents = new List<Delegate>();
        Action<string> once = _ => _log.Add("once");
        emitter.On(Event, _ =>
        {
            _log.Add("remover");
            emitter.Off(Event, once);
        });
        emitter.Once(Event, once);
        emitter.On(EventEmitter.RemoveListenerEvent, change => removedEvents.Add(change.Listener));

        emitter.Emit(Event, "x");
        emitter.Emit(Event, "x");

        Assert.Equal(["remover", "once", "remover"], _log);
        Assert.Equal([once], removedEvents);
    }

    [Fact]
    public void Once_ListenerThrows_IsRemovedAnyway()
    {
        var emitter = new EventEmitter();
        var calls = 0;
        emitter.Once(Event, _ =>
        {
            calls++;
            throw new InvalidOperationException();
        });

        Assert.Throws<InvalidOperationException>(() => emitter.Emit(Event, "x"));
        Assert.False(emitter.Emit(Event, "x"));

        Assert.Equal(1, calls);
    }

    [Fact]
    public void Once_AddedDuringEmit_WaitsForTheNextEmit()
    {
        var emitter = new EventEmitter();
        var added = false;
        emitter.On(Event, s =>
        {
            if (!added)
            {
                added = true;
                emitter.Once(Event, v => _log.Add("once:" + v));
            }
        });

        emitter.Emit(Event, "first");
        emitter.Emit(Event, "second");
        emitter.Emit(Event, "third");

        Assert.Equal(["once:second"], _log);
    }

    [Fact]
    public void Once_RegisteredInsideItself_RunsOnTheNextEmit()
    {
        var emitter = new EventEmitter();
        var calls = 0;
        void Listener(string value)
        {
            calls++;
            emitter.Once(Event, Listener);
        }

        emitter.Once(Event, Listener);
        emitter.Emit(Event, "x");
        emitter.Emit(Event, "x");

        Assert.Equal(2, calls);
        Assert.Equal(1, emitter.ListenerCount(Event));
    }

    private void Handler(string value) => _log.Add(value);
}
