namespace Handlers.Eventing.Tests.Emitter;

/// <summary><see cref="EventEmitter.NewListenerEvent"/> and <see cref="EventEmitter.RemoveListenerEvent"/>.</summary>
public class EventEmitterMetaEventsTests
{
    private static readonly EventKey<string> Event = new("event");
    private static readonly EventKey<int> Other = new("other");

    private readonly List<string> _log = [];

    [Fact]
    public void NewListenerEvent_ListenerAdded_RaisedBeforeAddingWithKeyAndListener()
    {
        var emitter = new EventEmitter();
        var changes = new List<ListenerChange>();
        int? countInside = null;
        emitter.On(EventEmitter.NewListenerEvent, change =>
        {
            changes.Add(change);
            countInside = emitter.ListenerCount(change.EventKey);
        });
        Action<string> listener = _ => { };

        emitter.On(Event, listener);

        var change = Assert.Single(changes);
        Assert.Same(Event, change.EventKey);
        Assert.Same(listener, change.Listener);
        Assert.Equal(0, countInside);
        Assert.Equal(1, emitter.ListenerCount(Event));
    }

    [Fact]
    public void NewListenerEvent_ListenerAddedInsideHandler_LandsBeforeTheOneBeingAdded()
    {
        // Node: once('newListener', (event) => { if (event === 'event') on('event', B) }); on('event', A); emit -> B, A
        var emitter = new EventEmitter();
        emitter.Once(EventEmitter.NewListenerEvent, change =>
        {
            if (ReferenceEquals(change.EventKey, Event))
            {
                emitter.On(Event, _ => _log.Add("B"));
            }
        });
        emitter.On(Event, _ => _log.Add("A"));

        emitter.Emit(Event, "x");

        Assert.Equal(["B", "A"], _log);
    }

    [Fact]
    public void NewListenerEvent_EveryRegistrationMethod_ReportsTheOriginalDelegate()
    {
        var emitter = new EventEmitter();
        var reported = new List<Delegate>();
        emitter.On(EventEmitter.NewListenerEvent, change => reported.Add(change.Listener));
        Action<string> on = _ => { };
        Action<string> once = _ => { };
        Action<string> prepend = _ => { };
        Action<string> prependOnce = _ => { };

        emitter.On(Event, on).Once(Event, once).PrependListener(Event, prepend).PrependOnceListener(Event, prependOnce);

        Assert.Equal<Delegate>([on, once, prepend, prependOnce], reported);
    }

    [Fact]
    public void NewListenerEvent_AddingANewListenerListener_NotifiesTheExistingOnesOnly()
    {
        var emitter = new EventEmitter();
        var first = new List<ListenerChange>();
        var second = new List<ListenerChange>();
        Action<ListenerChange> firstListener = first.Add;
        Action<ListenerChange> secondListener = second.Add;

        emitter.On(EventEmitter.NewListenerEvent, firstListener);
        emitter.On(EventEmitter.NewListenerEvent, secondListener);

        var change = Assert.Single(first);
        Assert.Same(EventEmitter.NewListenerEvent, change.EventKey);
        Assert.Same(secondListener, change.Listener);
        Assert.Empty(second);
    }

    [Fact]
    public void NewListenerEvent_ListenerOfOtherEmitter_NotRaised()
    {
        var emitter = new EventEmitter();
        var other = new EventEmitter();
        var raised = 0;
        other.On(EventEmitter.NewListenerEvent, _ => raised++);

        emitter.On(Event, _ => { });

        Assert.Equal(0, raised);
    }

    [Fact]
    public void RemoveListenerEvent_ListenerRemoved_RaisedAfterRemovingWithKeyAndListener()
    {
        var emitter = new EventEmitter();
        var changes = new List<ListenerChange>();
        int? countInside = null;
        Action<string> listener = _ => { };
        emitter.On(Event, listener);
        emitter.On(EventEmitter.RemoveListenerEvent, change =>
        {
            changes.Add(change);
            countInside = emitter.ListenerCount(Event);
        });

        emitter.Off(Event, listener);

        var change = Assert.Single(changes);
        Assert.Same(Event, change.EventKey);
        Assert.Same(listener, change.Listener);
        Assert.Equal(0, countInside);
    }

    [Fact]
    public void RemoveListenerEvent_OffOfOnceRegistration_ReportsTheOriginalDelegate()
    {
        var emitter = new EventEmitter();
        var reported = new List<Delegate>();
        Action<string> listener = _ => { };
        emitter.Once(Event, listener);
        emitter.On(EventEmitter.RemoveListenerEvent, change => reported.Add(change.Listener));

        emitter.Off(Event, listener);

        Assert.Equal<Delegate>([listener], reported);
    }

    [Fact]
    public void RemoveListenerEvent_OnceListenerFires_RaisedWithTheOriginalBeforeItRuns()
    {
        var emitter = new EventEmitter();
        Action<string> once = _ => _log.Add("once");
        emitter.Once(Event, once);
        emitter.On(EventEmitter.RemoveListenerEvent, change =>
        {
            Assert.Same(Event, change.EventKey);
            Assert.Same(once, change.Listener);
            _log.Add("removed");
        });

        emitter.Emit(Event, "x");

        Assert.Equal(["removed", "once"], _log);
    }

    [Fact]
    public void RemoveListenerEvent_UnknownListenerRemoved_NotRaised()
    {
        var emitter = new EventEmitter();
        var raised = 0;
        emitter.On(EventEmitter.RemoveListenerEvent, _ => raised++);

        emitter.Off(Event, _ => { });

        Assert.Equal(0, raised);
    }

    [Fact]
    public void RemoveListenerEvent_ItsOwnListenerRemoved_NotifiesTheRemainingOnes()
    {
        var emitter = new EventEmitter();
        var reported = new List<Delegate>();
        Action<ListenerChange> watcher = change => reported.Add(change.Listener);
        Action<ListenerChange> other = _ => { };
        emitter.On(EventEmitter.RemoveListenerEvent, watcher).On(EventEmitter.RemoveListenerEvent, other);

        emitter.Off(EventEmitter.RemoveListenerEvent, other);
        emitter.Off(EventEmitter.RemoveListenerEvent, watcher);

        Assert.Equal<Delegate>([other], reported);
    }

    [Fact]
    public void RemoveAllListeners_Key_RemovesLastAddedFirstRaisingRemoveListenerForEach()
    {
        var emitter = new EventEmitter();
        Action<string> a = _ => { };
        Action<string> b = _ => { };
        Action<string> c = _ => { };
        var reported = new List<Delegate>();
        emitter.On(Event, a).Once(Event, b).On(Event, c);
        emitter.On(EventEmitter.RemoveListenerEvent, change =>
        {
            Assert.Same(Event, change.EventKey);
            reported.Add(change.Listener);
        });

        emitter.RemoveAllListeners(Event);

        Assert.Equal<Delegate>([c, b, a], reported);
        Assert.Equal(0, emitter.ListenerCount(Event));
    }

    [Fact]
    public void RemoveAllListeners_NoArgument_RemovesKeysInFirstRegistrationOrderAndRemoveListenerKeyLast()
    {
        // Node's test-event-emitter-remove-all-listeners: the removeListener key goes last, its listeners LIFO.
        var emitter = new EventEmitter();
        var reported = new List<string>();
        var names = new Dictionary<Delegate, string>();
        Action<string> x = _ => { };
        Action<int> y1 = _ => { };
        Action<int> y2 = _ => { };
        Action<ListenerChange> r2 = change => reported.Add("r2:" + names[change.Listener]);
        Action<ListenerChange> r1 = change => reported.Add("r1:" + names[change.Listener]);
        names.Add(x, "x");
        names.Add(y1, "y1");
        names.Add(y2, "y2");
        names.Add(r1, "r1");
        names.Add(r2, "r2");

        emitter.On(Event, x);
        emitter.On(EventEmitter.RemoveListenerEvent, r1);
        emitter.On(Other, y1).On(Other, y2);
        emitter.On(EventEmitter.RemoveListenerEvent, r2);

        emitter.RemoveAllListeners();

        Assert.Equal(["r1:x", "r2:x", "r1:y2", "r2:y2", "r1:y1", "r2:y1", "r1:r2"], reported);
        Assert.Empty(emitter.EventNames());
    }

    [Fact]
    public void RemoveAllListeners_NoArgument_ReportsOriginalsOfOnceRegistrations()
    {
        var emitter = new EventEmitter();
        var reported = new List<Delegate>();
        Action<string> once = _ => { };
        emitter.Once(Event, once);
        emitter.On(EventEmitter.RemoveListenerEvent, change => reported.Add(change.Listener));

        emitter.RemoveAllListeners();

        Assert.Same(once, reported[0]);
    }

    [Fact]
    public void RemoveAllListeners_NoArgumentAndNoRemoveListener_RaisesNothing()
    {
        var emitter = new EventEmitter();
        var added = 0;
        emitter.On(EventEmitter.NewListenerEvent, _ => added++);
        emitter.On(Event, _ => { });

        emitter.RemoveAllListeners();
        emitter.On(Event, _ => { });

        // The newListener listener was removed too: only the first On was reported.
        Assert.Equal(1, added);
    }

    [Fact]
    public void RemoveAllListeners_KeyOfNewListenerEvent_StopsNotifications()
    {
        var emitter = new EventEmitter();
        var added = 0;
        emitter.On(EventEmitter.NewListenerEvent, _ => added++);

        emitter.RemoveAllListeners(EventEmitter.NewListenerEvent);
        emitter.On(Event, _ => { });

        Assert.Equal(0, added);
    }
}
