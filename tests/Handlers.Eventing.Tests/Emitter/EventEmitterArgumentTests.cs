namespace Handlers.Eventing.Tests.Emitter;

/// <summary>Argument validation of every <see cref="EventEmitter"/> member.</summary>
public class EventEmitterArgumentTests
{
    private static readonly EventKey<string> Event = new("event");
    private static readonly Action<string> Listener = _ => { };

    private readonly EventEmitter _emitter = new();

    public static TheoryData<string> RegistrationMethods => ["On", "Once", "PrependListener", "PrependOnceListener", "Off"];

    [Theory]
    [MemberData(nameof(RegistrationMethods))]
    public void RegistrationMethod_NullKey_ThrowsArgumentNullException(string method)
    {
        var ex = Assert.Throws<ArgumentNullException>(() => Call(method, null!, Listener));

        Assert.Equal("eventKey", ex.ParamName);
    }

    [Theory]
    [MemberData(nameof(RegistrationMethods))]
    public void RegistrationMethod_NullListener_ThrowsArgumentNullException(string method)
    {
        var ex = Assert.Throws<ArgumentNullException>(() => Call(method, Event, null!));

        Assert.Equal("listener", ex.ParamName);
    }

    [Theory]
    [MemberData(nameof(RegistrationMethods))]
    public void RegistrationMethod_NullArgument_LeavesTheEmitterUnchanged(string method)
    {
        var raised = 0;
        _emitter.On(Event, Listener);
        _emitter.On(EventEmitter.NewListenerEvent, _ => raised++);
        _emitter.On(EventEmitter.RemoveListenerEvent, _ => raised++);
        raised = 0; // adding the removeListener listener was itself reported

        Assert.Throws<ArgumentNullException>(() => Call(method, Event, null!));

        Assert.Equal(1, _emitter.ListenerCount(Event));
        Assert.Equal(0, raised);
    }

    [Fact]
    public void Emit_NullKey_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => _emitter.Emit<string>(null!, "x"));

        Assert.Equal("eventKey", ex.ParamName);
    }

    [Fact]
    public void Listeners_NullKey_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => _emitter.Listeners<string>(null!));

        Assert.Equal("eventKey", ex.ParamName);
    }

    [Fact]
    public void ListenerCount_NullKey_ThrowsArgumentNullException()
    {
        Assert.Equal("eventKey", Assert.Throws<ArgumentNullException>(() => _emitter.ListenerCount(null!)).ParamName);
        Assert.Equal("eventKey", Assert.Throws<ArgumentNullException>(() => _emitter.ListenerCount(null!, Listener)).ParamName);
    }

    [Fact]
    public void ListenerCount_NullListener_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => _emitter.ListenerCount(Event, null!));

        Assert.Equal("listener", ex.ParamName);
    }

    [Fact]
    public void RemoveAllListeners_NullKey_ThrowsArgumentNullException()
    {
        _emitter.On(Event, Listener);

        var ex = Assert.Throws<ArgumentNullException>(() => _emitter.RemoveAllListeners(null!));

        Assert.Equal("eventKey", ex.ParamName);
        Assert.Equal(1, _emitter.ListenerCount(Event));
    }

    [Fact]
    public void RemoveAllListeners_NullKeyWithRemoveListenerListener_ThrowsArgumentNullException()
    {
        _emitter.On(EventEmitter.RemoveListenerEvent, _ => { });

        Assert.Throws<ArgumentNullException>(() => _emitter.RemoveAllListeners(null!));
    }

    [Fact]
    public void MaxListeners_Negative_ThrowsArgumentOutOfRangeException()
    {
        _emitter.MaxListeners = 5;

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _emitter.MaxListeners = -1);

        Assert.Equal("value", ex.ParamName);
        Assert.Equal(5, _emitter.MaxListeners);
    }

    private void Call(string method, EventKey<string> key, Action<string> listener)
    {
        switch (method)
        {
            case "On":
                _emitter.On(key, listener);
                break;
            case "Once":
                _emitter.Once(key, listener);
                break;
            case "PrependListener":
                _emitter.PrependListener(key, listener);
                break;
            case "PrependOnceListener":
                _emitter.PrependOnceListener(key, listener);
                break;
            case "Off":
                _emitter.Off(key, listener);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown registration method.");
        }
    }
}
