namespace Handlers.Eventing.Tests.Emitter;

/// <summary>Max-listener warnings, <see cref="EventEmitter.MaxListeners"/> and <see cref="EventEmitter.DefaultMaxListeners"/>.</summary>
[Collection(StaticEmitterStateCollection.Name)]
public sealed class EventEmitterMaxListenersTests : IDisposable
{
    private static readonly EventKey<string> Event = new("event");
    private static readonly EventKey<string> Other = new("other");

    private readonly EventEmitter _emitter = new();
    private readonly List<MaxListenersExceededWarning> _warnings = [];
    private readonly List<int> _warningThreads = [];
    private readonly int _originalDefault = EventEmitter.DefaultMaxListeners;
    private readonly HashSet<EventEmitter> _tracked = [];

    public EventEmitterMaxListenersTests()
    {
        _tracked.Add(_emitter);
        EventEmitter.MaxListenersExceeded += OnWarning;
    }

    public void Dispose()
    {
        EventEmitter.MaxListenersExceeded -= OnWarning;
        EventEmitter.DefaultMaxListeners = _originalDefault;
    }

    [Fact]
    public void DefaultMaxListeners_Initially_IsTen()
    {
        Assert.Equal(10, EventEmitter.DefaultMaxListeners);
        Assert.Equal(10, new EventEmitter().MaxListeners);
    }

    [Fact]
    public void On_MaxPlusOneListener_RaisesWarningSynchronouslyInsideTheAdd()
    {
        _emitter.MaxListeners = 3;
        for (var i = 0; i < 3; i++)
        {
            _emitter.On(Event, _ => { });
            Assert.Empty(_warnings);
        }

        _emitter.On(Event, _ => { });

        var warning = Assert.Single(_warnings);
        Assert.Equal(Environment.CurrentManagedThreadId, Assert.Single(_warningThreads));
        Assert.Same(_emitter, warning.Emitter);
        Assert.Same(Event, warning.EventKey);
        Assert.Equal(4, warning.Count);
        Assert.Contains("'event'", warning.Message, StringComparison.Ordinal);
        Assert.Contains("MaxListeners", warning.Message, StringComparison.Ordinal);
        Assert.Equal(warning.Message, warning.ToString());
    }

    [Fact]
    public void On_AboveMax_ListenerIsStillAdded()
    {
        _emitter.MaxListeners = 1;
        var calls = 0;

        _emitter.On(Event, _ => calls++).On(Event, _ => calls++);
        _emitter.Emit(Event, "x");

        Assert.Equal(2, _emitter.ListenerCount(Event));
        Assert.Equal(2, calls);
    }

    [Fact]
    public void On_DefaultMax_WarnsAtTheEleventhListener()
    {
        for (var i = 0; i < 10; i++)
        {
            _emitter.On(Event, _ => { });
        }

        Assert.Empty(_warnings);
        _emitter.On(Event, _ => { });

        Assert.Equal(11, Assert.Single(_warnings).Count);
    }

    [Theory]
    [InlineData("On")]
    [InlineData("Once")]
    [InlineData("PrependListener")]
    [InlineData("PrependOnceListener")]
    public void RegistrationMethod_CrossingMax_Warns(string method)
    {
        _emitter.MaxListeners = 1;
        _emitter.On(Event, _ => { });

        switch (method)
        {
            case "On":
                _emitter.On(Event, _ => { });
                break;
            case "Once":
                _emitter.Once(Event, _ => { });
                break;
            case "PrependListener":
                _emitter.PrependListener(Event, _ => { });
                break;
            default:
                _emitter.PrependOnceListener(Event, _ => { });
                break;
        }

        Assert.Equal(2, Assert.Single(_warnings).Count);
    }

    [Fact]
    public void On_StaysAboveMax_WarnsOnlyOncePerKey()
    {
        _emitter.MaxListeners = 2;
        Action<string> listener = _ => { };
        for (var i = 0; i < 6; i++)
        {
            _emitter.On(Event, listener);
        }

        _emitter.Off(Event, listener);
        _emitter.Off(Event, listener);
        _emitter.Off(Event, listener);
        _emitter.On(Event, listener);

        Assert.Equal(3, Assert.Single(_warnings).Count);
    }

    [Fact]
    public void On_AnotherKeyCrossesMax_WarnsForThatKeyToo()
    {
        _emitter.MaxListeners = 1;

        _emitter.On(Event, _ => { }).On(Event, _ => { });
        _emitter.On(Other, _ => { }).On(Other, _ => { });

        Assert.Equal<EventKey>([Event, Other], _warnings.Select(w => w.EventKey));
    }

    [Fact]
    public void On_KeyEmptiedThenFilledAgain_WarnsAgain()
    {
        _emitter.MaxListeners = 1;
        _emitter.On(Event, _ => { }).On(Event, _ => { });

        _emitter.RemoveAllListeners(Event);
        _emitter.On(Event, _ => { }).On(Event, _ => { });

        Assert.Equal(2, _warnings.Count);
    }

    [Fact]
    public void On_KeyEmptiedByOff_WarnsAgain()
    {
        _emitter.MaxListeners = 1;
        Action<string> listener = _ => { };
        _emitter.On(Event, listener).On(Event, listener);

        _emitter.Off(Event, listener).Off(Event, listener);
        _emitter.On(Event, listener).On(Event, listener);

        Assert.Equal(2, _warnings.Count);
    }

    [Fact]
    public void MaxListeners_Zero_NeverWarns()
    {
        _emitter.MaxListeners = 0;

        for (var i = 0; i < 100; i++)
        {
            _emitter.On(Event, _ => { });
        }

        Assert.Empty(_warnings);
        Assert.Equal(100, _emitter.ListenerCount(Event));
    }

    [Fact]
    public void DefaultMaxListeners_Zero_NeverWarns()
    {
        EventEmitter.DefaultMaxListeners = 0;

        for (var i = 0; i < 50; i++)
        {
            _emitter.On(Event, _ => { });
        }

        Assert.Empty(_warnings);
    }

    [Fact]
    public void MaxListeners_InstanceValue_WinsOverTheDefault()
    {
        EventEmitter.DefaultMaxListeners = 1;
        _emitter.MaxListeners = 3;
        EventEmitter.DefaultMaxListeners = 2;

        _emitter.On(Event, _ => { }).On(Event, _ => { }).On(Event, _ => { });
        Assert.Empty(_warnings);
        _emitter.On(Event, _ => { });

        Assert.Equal(3, _emitter.MaxListeners);
        Assert.Equal(4, Assert.Single(_warnings).Count);
    }

    [Fact]
    public void MaxListeners_NeverSet_FollowsLaterChangesOfTheDefault()
    {
        var existing = new EventEmitter();
        _tracked.Add(existing);

        EventEmitter.DefaultMaxListeners = 2;
        existing.On(Event, _ => { }).On(Event, _ => { });
        Assert.Empty(_warnings);
        existing.On(Event, _ => { });

        Assert.Equal(2, existing.MaxListeners);
        var warning = Assert.Single(_warnings);
        Assert.Same(existing, warning.Emitter);
        Assert.Equal(3, warning.Count);
    }

    [Fact]
    public void DefaultMaxListeners_Negative_ThrowsArgumentOutOfRangeException()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => EventEmitter.DefaultMaxListeners = -1);

        Assert.Equal("value", ex.ParamName);
        Assert.Equal(_originalDefault, EventEmitter.DefaultMaxListeners);
    }

    [Fact]
    public void MaxListenersExceeded_NoHandler_AddStillSucceeds()
    {
        EventEmitter.MaxListenersExceeded -= OnWarning;
        _emitter.MaxListeners = 1;

        _emitter.On(Event, _ => { }).On(Event, _ => { });

        Assert.Equal(2, _emitter.ListenerCount(Event));
    }

    private void OnWarning(MaxListenersExceededWarning warning)
    {
        // Only this test's emitters: the static event is process-wide.
        if (_tracked.Contains(warning.Emitter))
        {
            _warnings.Add(warning);
            _warningThreads.Add(Environment.CurrentManagedThreadId);
        }
    }
}
