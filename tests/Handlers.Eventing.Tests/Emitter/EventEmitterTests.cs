namespace Handlers.Eventing.Tests.Emitter;

/// <summary>Registration, order, matching, snapshots and queries of <see cref="EventEmitter"/> (Node's <c>events</c> rules).</summary>
public class EventEmitterTests
{
    private static readonly EventKey<string> Event = new("event");
    private static readonly EventKey<string> Other = new("other");

    private readonly List<string> _log = [];

    [Fact]
    public void Emit_ListenerRegistered_CallsItWithTheArgs()
    {
        // Node: myEmitter.on('event', (a, b) => ...); myEmitter.emit('event', 'a', 'b');
        var emitter = new EventEmitter();
        var key = new EventKey<(string A, string B)>("event");
        (string, string)? received = null;
        emitter.On(key, args => received = args);

        emitter.Emit(key, ("a", "b"));

        Assert.Equal(("a", "b"), received);
    }

    [Fact]
    public void Emit_NoListeners_ReturnsFalse()
    {
        var emitter = new EventEmitter();

        Assert.False(emitter.Emit(Event, "x"));
    }

    [Fact]
    public void Emit_WithListeners_ReturnsTrue()
    {
        var emitter = new EventEmitter();
        emitter.On(Event, _ => { });

        Assert.True(emitter.Emit(Event, "x"));
    }

    [Fact]
    public void Emit_AfterLastListenerRemoved_ReturnsFalse()
    {
        var emitter = new EventEmitter();
        Action<string> listener = _ => { };
        emitter.On(Event, listener).Off(Event, listener);

        Assert.False(emitter.Emit(Event, "x"));
    }

    [Fact]
    public void Emit_SeveralListeners_CallsThemSynchronouslyInRegistrationOrder()
    {
        var emitter = new EventEmitter();
        var thread = Environment.CurrentManagedThreadId;
        var threads = new List<int>();
        emitter.On(Event, s => { _log.Add("1:" + s); threads.Add(Environment.CurrentManagedThreadId); });
        emitter.On(Event, s => { _log.Add("2:" + s); threads.Add(Environment.CurrentManagedThreadId); });
        emitter.On(Event, s => { _log.Add("3:" + s); threads.Add(Environment.CurrentManagedThreadId); });

        emitter.Emit(Event, "x");

        // Everything ran before Emit returned, on the caller's thread.
        Assert.Equal(["1:x", "2:x", "3:x"], _log);
        Assert.All(threads, t => Assert.Equal(thread, t));
    }

    [Fact]
    public void On_ListenerRegistered_RunsOnEveryEmit()
    {
        // Node: on('event', () => console.log(++m)); emit; emit; -> 1, 2
        var emitter = new EventEmitter();
        var m = 0;
        emitter.On(Event, _ => m++);

        emitter.Emit(Event, "x");
        emitter.Emit(Event, "x");

        Assert.Equal(2, m);
    }

    [Fact]
    public void On_SameDelegateTwice_RunsTwicePerEmit()
    {
        var emitter = new EventEmitter();
        var calls = 0;
        Action<string> listener = _ => calls++;

        emitter.On(Event, listener).On(Event, listener);
        emitter.Emit(Event, "x");

        Assert.Equal(2, calls);
        Assert.Equal(2, emitter.ListenerCount(Event));
        Assert.Equal(2, emitter.ListenerCount(Event, listener));
    }

    [Fact]
    public void RegistrationMethods_Always_ReturnTheSameEmitterForChaining()
    {
        var emitter = new EventEmitter();
        Action<string> listener = _ => { };

        Assert.Same(emitter, emitter.On(Event, listener));
        Assert.Same(emitter, emitter.Once(Event, listener));
        Assert.Same(emitter, emitter.PrependListener(Event, listener));
        Assert.Same(emitter, emitter.PrependOnceListener(Event, listener));
        Assert.Same(emitter, emitter.Off(Event, listener));
        Assert.Same(emitter, emitter.Off(Other, listener));
        Assert.Same(emitter, emitter.RemoveAllListeners(Event));
        Assert.Same(emitter, emitter.RemoveAllListeners());
    }

    [Fact]
    public void PrependListener_AfterOn_RunsFirst()
    {
        // Node: on('foo', a); prependListener('foo', b); emit -> b, a
        var emitter = new EventEmitter();
        emitter.On(Event, _ => _log.Add("a"));
        emitter.PrependListener(Event, _ => _log.Add("b"));

        emitter.Emit(Event, "x");

        Assert.Equal(["b", "a"], _log);
    }

    [Fact]
    public void PrependListener_Several_LastPrependedRunsFirst()
    {
        var emitter = new EventEmitter();
        emitter.On(Event, _ => _log.Add("on"));
        emitter.PrependListener(Event, _ => _log.Add("p1"));
        emitter.PrependListener(Event, _ => _log.Add("p2"));
        emitter.On(Event, _ => _log.Add("on2"));

        emitter.Emit(Event, "x");

        Assert.Equal(["p2", "p1", "on", "on2"], _log);
    }

    [Fact]
    public void PrependListener_SameDelegateTwice_RunsTwice()
    {
        var emitter = new EventEmitter();
        var calls = 0;
        Action<string> listener = _ => calls++;

        emitter.PrependListener(Event, listener).PrependListener(Event, listener);
        emitter.Emit(Event, "x");

        Assert.Equal(2, calls);
    }

    [Fact]
    public void Off_MethodGroup_RemovesRegistrationMadeWithMethodGroup()
    {
        // Each method-group conversion creates a new delegate; they match by Delegate.Equals.
        var emitter = new EventEmitter();
        emitter.On(Event, Handler);

        emitter.Off(Event, Handler);

        Assert.Equal(0, emitter.ListenerCount(Event));
        Assert.False(emitter.Emit(Event, "x"));
        Assert.Empty(_log);
    }

    [Fact]
    public void Off_MethodGroupOfAnotherInstance_DoesNotRemove()
    {
        var emitter = new EventEmitter();
        var other = new EventEmitterTests();
        emitter.On(Event, Handler);

        emitter.Off(Event, other.Handler);

        Assert.Equal(1, emitter.ListenerCount(Event));
    }

    [Fact]
    public void ListenerCount_MethodGroup_MatchesByDelegateEquals()
    {
        var emitter = new EventEmitter();
        emitter.On(Event, Handler).On(Event, Handler);

        Assert.Equal(2, emitter.ListenerCount(Event, Handler));
    }

    [Fact]
    public void Off_DuplicateRegistrations_RemovesTheMostRecentlyAddedOne()
    {
        // On(a), On(b), On(a); Off(a) must leave [a, b], not [b, a].
        var emitter = new EventEmitter();
        Action<string> a = _ => _log.Add("a");
        Action<string> b = _ => _log.Add("b");
        emitter.On(Event, a).On(Event, b).On(Event, a);

        emitter.Off(Event, a);
        emitter.Emit(Event, "x");

        Assert.Equal(["a", "b"], _log);
        Assert.Equal([a, b], emitter.Listeners(Event));
    }

    [Fact]
    public void Off_DuplicateRegistrations_RemovesAtMostOnePerCall()
    {
        var emitter = new EventEmitter();
        Action<string> a = _ => { };
        emitter.On(Event, a).On(Event, a).On(Event, a);

        emitter.Off(Event, a);
        Assert.Equal(2, emitter.ListenerCount(Event));
        emitter.Off(Event, a);
        Assert.Equal(1, emitter.ListenerCount(Event));
        emitter.Off(Event, a);
        Assert.Equal(0, emitter.ListenerCount(Event));
    }

    [Fact]
    public void Off_UnknownListener_DoesNothing()
    {
        var emitter = new EventEmitter();
        var removed = 0;
        Action<string> registered = _ => { };
        emitter.On(Event, registered);
        emitter.On(EventEmitter.RemoveListenerEvent, _ => removed++);

        emitter.Off(Event, _ => { });
        emitter.Off(Other, registered);

        Assert.Equal([registered], emitter.Listeners(Event));
        Assert.Equal(0, removed);
    }

    [Fact]
    public void Off_KeyWithSameName_DoesNotRemoveFromTheOtherKey()
    {
        var emitter = new EventEmitter();
        var twin = new EventKey<string>("event");
        Action<string> listener = _ => { };
        emitter.On(Event, listener);

        emitter.Off(twin, listener);

        Assert.Equal(1, emitter.ListenerCount(Event));
    }

    [Fact]
    public void Emit_KeysWithSameName_AreDistinctEvents()
    {
        var emitter = new EventEmitter();
        var twin = new EventKey<string>("event");
        emitter.On(Event, _ => _log.Add("event"));
        emitter.On(twin, _ => _log.Add("twin"));

        emitter.Emit(twin, "x");

        Assert.Equal(["twin"], _log);
    }

    [Fact]
    public void Emit_ListenerRemovedDuringEmit_StillRunsInThatEmitButNotTheNext()
    {
        // Node's removeListener example: callbackA removes callbackB, B still runs in the emit in progress.
        var emitter = new EventEmitter();
        Action<string> callbackB = _ => _log.Add("B");
        Action<string> callbackA = _ =>
        {
            _log.Add("A");
            emitter.Off(Event, callbackB);
        };
        emitter.On(Event, callbackA);
        emitter.On(Event, callbackB);

        emitter.Emit(Event, "x");
        Assert.Equal(["A", "B"], _log);

        _log.Clear();
        emitter.Emit(Event, "x");
        Assert.Equal(["A"], _log);
    }

    [Fact]
    public void Emit_RemoveAllListenersDuringEmit_RemainingListenersOfThatEmitStillRun()
    {
        var emitter = new EventEmitter();
        emitter.On(Event, _ =>
        {
            _log.Add("1");
            emitter.RemoveAllListeners();
        });
        emitter.On(Event, _ => _log.Add("2"));

        Assert.True(emitter.Emit(Event, "x"));
        Assert.Equal(["1", "2"], _log);
        Assert.False(emitter.Emit(Event, "x"));
    }

    [Fact]
    public void Emit_ListenerAddedDuringEmit_RunsFromTheNextEmit()
    {
        var emitter = new EventEmitter();
        var added = false;
        emitter.On(Event, _ =>
        {
            _log.Add("first");
            if (!added)
            {
                added = true;
                emitter.On(Event, _ => _log.Add("late"));
                emitter.PrependListener(Event, _ => _log.Add("late-front"));
            }
        });

        emitter.Emit(Event, "x");
        Assert.Equal(["first"], _log);

        _log.Clear();
        emitter.Emit(Event, "x");
        Assert.Equal(["late-front", "first", "late"], _log);
    }

    [Fact]
    public void Emit_ListenerThrows_PropagatesTheSameExceptionAndLaterListenersDoNotRun()
    {
        var emitter = new EventEmitter();
        var boom = new InvalidOperationException("boom");
        emitter.On(Event, _ => _log.Add("before"));
        emitter.On(Event, _ => throw boom);
        emitter.On(Event, _ => _log.Add("after"));

        var thrown = Assert.Throws<InvalidOperationException>(() => emitter.Emit(Event, "x"));

        Assert.Same(boom, thrown);
        Assert.Equal(["before"], _log);
    }

    [Fact]
    public void Emit_AfterAListenerThrew_KeepsEveryRegistration()
    {
        var emitter = new EventEmitter();
        emitter.On(Event, s =>
        {
            if (s == "throw")
            {
                throw new InvalidOperationException();
            }
        });
        emitter.On(Event, _ => _log.Add("after"));

        Assert.Throws<InvalidOperationException>(() => emitter.Emit(Event, "throw"));
        emitter.Emit(Event, "ok");

        Assert.Equal(2, emitter.ListenerCount(Event));
        Assert.Equal(["after"], _log);
    }

    [Fact]
    public void Emit_ReentrantEmitOfSameKey_RunsNestedEmitCompletely()
    {
        var emitter = new EventEmitter();
        emitter.On(Event, s =>
        {
            _log.Add("1:" + s);
            if (s == "outer")
            {
                emitter.Emit(Event, "inner");
            }
        });
        emitter.On(Event, s => _log.Add("2:" + s));

        emitter.Emit(Event, "outer");

        Assert.Equal(["1:outer", "1:inner", "2:inner", "2:outer"], _log);
    }

    [Fact]
    public void Emit_ValueTypeArgs_PassesTheValue()
    {
        var emitter = new EventEmitter();
        var key = new EventKey<int>("number");
        var sum = 0;
        emitter.On(key, n => sum += n).On(key, n => sum += n * 10);

        emitter.Emit(key, 4);

        Assert.Equal(44, sum);
    }

    [Fact]
    public void Listeners_NoListeners_ReturnsEmpty()
    {
        var emitter = new EventEmitter();

        Assert.Empty(emitter.Listeners(Event));
    }

    [Fact]
    public void Listeners_MixedRegistrations_ReturnsDelegatesInEmitOrder()
    {
        var emitter = new EventEmitter();
        Action<string> a = _ => { };
        Action<string> b = _ => { };
        Action<string> c = _ => { };
        Action<string> d = _ => { };

        emitter.On(Event, a).PrependListener(Event, b).Once(Event, c).PrependOnceListener(Event, d);

        Assert.Equal([d, b, a, c], emitter.Listeners(Event));
    }

    [Fact]
    public void Listeners_LaterChanges_DoNotAlterTheReturnedSnapshot()
    {
        var emitter = new EventEmitter();
        Action<string> a = _ => { };
        Action<string> b = _ => { };
        emitter.On(Event, a);

        var snapshot = emitter.Listeners(Event);
        emitter.On(Event, b);
        emitter.Off(Event, a);
        emitter.PrependListener(Event, a);
        emitter.RemoveAllListeners();

        Assert.Equal([a], snapshot);
    }

    [Fact]
    public void ListenerCount_SeveralListeners_CountsThem()
    {
        // Node: on('event', () => {}); on('event', () => {}); listenerCount -> 2
        var emitter = new EventEmitter();
        emitter.On(Event, _ => { });
        emitter.On(Event, _ => { });

        Assert.Equal(2, emitter.ListenerCount(Event));
        Assert.Equal(0, emitter.ListenerCount(Other));
    }

    [Fact]
    public void ListenerCount_ListenerOverload_CountsOnlyMatchingRegistrations()
    {
        var emitter = new EventEmitter();
        Action<string> a = _ => { };
        Action<string> b = _ => { };
        emitter.On(Event, a).On(Event, b).PrependListener(Event, a);

        Assert.Equal(2, emitter.ListenerCount(Event, a));
        Assert.Equal(1, emitter.ListenerCount(Event, b));
        Assert.Equal(0, emitter.ListenerCount(Other, a));
        Assert.Equal(0, emitter.ListenerCount(Event, _ => { }));
    }

    [Fact]
    public void EventNames_SeveralKeys_ListedInFirstRegistrationOrder()
    {
        // Node: on('foo'); on('bar'); on(Symbol('symbol')) -> ['foo', 'bar', Symbol(symbol)]
        var emitter = new EventEmitter();
        var foo = new EventKey<string>("foo");
        var bar = new EventKey<int>("bar");
        var symbol = new EventKey<object>("symbol");

        emitter.On(foo, _ => { });
        emitter.On(bar, _ => { });
        emitter.On(symbol, _ => { });
        emitter.PrependListener(foo, _ => { });

        Assert.Equal<EventKey>([foo, bar, symbol], emitter.EventNames());
    }

    [Fact]
    public void EventNames_NoListeners_ReturnsEmpty()
    {
        Assert.Empty(new EventEmitter().EventNames());
    }

    [Fact]
    public void EventNames_KeyEmptied_DropsOutAndReturnsAtTheEndWhenRefilled()
    {
        var emitter = new EventEmitter();
        Action<string> listener = _ => { };
        emitter.On(Event, listener).On(Other, _ => { });

        emitter.Off(Event, listener);
        Assert.Equal<EventKey>([Other], emitter.EventNames());

        emitter.On(Event, listener);
        Assert.Equal<EventKey>([Other, Event], emitter.EventNames());
    }

    [Fact]
    public void EventNames_OnceListenerFired_KeyDropsOut()
    {
        var emitter = new EventEmitter();
        emitter.Once(Event, _ => { });

        emitter.Emit(Event, "x");

        Assert.Empty(emitter.EventNames());
    }

    [Fact]
    public void EventNames_LaterChanges_DoNotAlterTheReturnedList()
    {
        var emitter = new EventEmitter();
        emitter.On(Event, _ => { });

        var names = emitter.EventNames();
        emitter.On(Other, _ => { });
        emitter.RemoveAllListeners(Event);

        Assert.Equal<EventKey>([Event], names);
    }

    [Fact]
    public void RemoveAllListeners_NoArgument_RemovesEveryKey()
    {
        var emitter = new EventEmitter();
        emitter.On(Event, _ => _log.Add("event")).On(Other, _ => _log.Add("other")).Once(Other, _ => _log.Add("once"));

        emitter.RemoveAllListeners();

        Assert.Empty(emitter.EventNames());
        Assert.False(emitter.Emit(Event, "x"));
        Assert.False(emitter.Emit(Other, "x"));
        Assert.Empty(_log);
    }

    [Fact]
    public void RemoveAllListeners_Key_RemovesOnlyThatKey()
    {
        var emitter = new EventEmitter();
        emitter.On(Event, _ => _log.Add("event")).On(Event, _ => _log.Add("event2")).On(Other, _ => _log.Add("other"));

        emitter.RemoveAllListeners(Event);

        Assert.Equal(0, emitter.ListenerCount(Event));
        Assert.Equal<EventKey>([Other], emitter.EventNames());
        emitter.Emit(Event, "x");
        emitter.Emit(Other, "x");
        Assert.Equal(["other"], _log);
    }

    [Fact]
    public void RemoveAllListeners_UnknownKey_DoesNothing()
    {
        var emitter = new EventEmitter();
        emitter.On(Event, _ => { });

        emitter.RemoveAllListeners(Other);

        Assert.Equal(1, emitter.ListenerCount(Event));
    }

    [Fact]
    public void On_AfterRemoveAllListeners_RegistersAgain()
    {
        var emitter = new EventEmitter();
        emitter.On(Event, _ => _log.Add("old"));
        emitter.RemoveAllListeners();

        emitter.On(Event, _ => _log.Add("new"));
        emitter.Emit(Event, "x");

        Assert.Equal(["new"], _log);
        Assert.Equal<EventKey>([Event], emitter.EventNames());
    }

    private void Handler(string value) => _log.Add("handler:" + value);
}
