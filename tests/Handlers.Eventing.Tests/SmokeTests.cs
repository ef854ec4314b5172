namespace Handlers.Eventing.Tests;

public class SmokeTests
{
    [Fact]
    public void Assembly_Loads() => Assert.Equal("Handlers.Eventing", typeof(EventEmitter).Assembly.GetName().Name);
}
