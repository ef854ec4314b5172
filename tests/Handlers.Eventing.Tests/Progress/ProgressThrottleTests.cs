namespace Handlers.Eventing.Tests.Progress;

public class ProgressThrottleTests
{
    [Fact]
    public void Defaults_NoLimitsSystemClock()
    {
        var throttle = new ProgressThrottle();

        Assert.Equal(TimeSpan.Zero, throttle.MinimumInterval);
        Assert.Equal(0, throttle.MinimumBytes);
        Assert.Same(TimeProvider.System, throttle.TimeProvider);
        Assert.Null(throttle.Validate("t"));
    }

    [Fact]
    public void Default_HundredMillisecondsNoByteLimit()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(100), ProgressThrottle.Default.MinimumInterval);
        Assert.Equal(0, ProgressThrottle.Default.MinimumBytes);
        Assert.Same(TimeProvider.System, ProgressThrottle.Default.TimeProvider);
        Assert.Same(ProgressThrottle.Default, ProgressThrottle.Default);
    }

    [Fact]
    public void None_NoLimits()
    {
        Assert.Equal(TimeSpan.Zero, ProgressThrottle.None.MinimumInterval);
        Assert.Equal(0, ProgressThrottle.None.MinimumBytes);
        Assert.Null(ProgressThrottle.None.Validate("t"));
    }

    [Fact]
    public void Validate_NegativeInterval_NamesTheValue() =>
        Assert.Equal(
            "t.MinimumInterval is -00:00:02; it must be TimeSpan.Zero (no time limit) or positive.",
            new ProgressThrottle { MinimumInterval = TimeSpan.FromSeconds(-2) }.Validate("t"));

    [Fact]
    public void Validate_NegativeBytes_NamesTheValue() =>
        Assert.Equal(
            "t.MinimumBytes is -3; it must be 0 (no byte limit) or positive.",
            new ProgressThrottle { MinimumBytes = -3 }.Validate("t"));

    [Fact]
    public void Validate_NullTimeProvider_SaysHowToFix() =>
        Assert.Contains("TimeProvider is null", new ProgressThrottle { TimeProvider = null! }.Validate("t"), StringComparison.Ordinal);
}
