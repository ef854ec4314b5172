namespace Handlers.Eventing.Tests.Emitter;

public class EventKeyTests
{
    [Fact]
    public void Constructor_Name_ExposedAsNameAndToString()
    {
        var key = new EventKey<int>("progress");

        Assert.Equal("progress", key.Name);
        Assert.Equal("progress", key.ToString());
    }

    [Fact]
    public void Equals_TwoKeysWithTheSameName_AreDifferent()
    {
        var a = new EventKey<string>("same");
        var b = new EventKey<string>("same");

        Assert.NotEqual(a, b);
        Assert.False(a.Equals(b));
    }

    [Fact]
    public void Constructor_NullName_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => new EventKey<int>(null!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Constructor_EmptyOrWhiteSpaceName_ThrowsArgumentException(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => new EventKey<int>(name));

        Assert.Equal("name", ex.ParamName);
    }

    [Fact]
    public void BuiltInKeys_Always_ReturnTheSameInstances()
    {
        Assert.Same(EventEmitter.NewListenerEvent, EventEmitter.NewListenerEvent);
        Assert.Same(EventEmitter.RemoveListenerEvent, EventEmitter.RemoveListenerEvent);
        Assert.Same(EventEmitter.ErrorEvent, EventEmitter.ErrorEvent);
        Assert.Same(EventEmitter.ErrorMonitor, EventEmitter.ErrorMonitor);
        Assert.Equal("newListener", EventEmitter.NewListenerEvent.Name);
        Assert.Equal("removeListener", EventEmitter.RemoveListenerEvent.Name);
        Assert.Equal("errorMonitor", EventEmitter.ErrorMonitor.Name);
    }
}
