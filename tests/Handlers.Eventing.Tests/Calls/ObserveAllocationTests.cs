using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>
/// <see cref="HttpCall.Observe"/> costs nothing where it is not used (design principle 4): a scope open in another flow of the
/// process adds no allocation per chunk and none per call to a call whose flow has no scope.
/// </summary>
[Collection(nameof(AllocationCollection))]
public class ObserveAllocationTests
{
    [Fact]
    public void Read_WhileAScopeIsOpenInAnotherFlow_AllocatesNoMorePerChunk()
    {
        using var elsewhere = OpenInAnotherFlow();
        StreamingAllocationTests.AssertNoMorePerChunk(ReadThroughHandler);
    }

    [Fact]
    public void Read_InsideAScope_AllocatesNoMorePerChunk()
    {
        // The chunk's listeners run without the scope (a call they start is not the scope's), and taking it off the flow
        // per chunk reuses one context per thread instead of allocating one.
        using var scope = HttpCall.Observe(_ => { });
        StreamingAllocationTests.AssertNoMorePerChunk(ReadThroughHandler);
    }

    [Fact]
    public void Send_WhileAScopeIsOpenInAnotherFlow_AllocatesNoMorePerCall()
    {
        for (var i = 0; i < 3; i++)
        {
            ReadThroughHandler(64 * 1024);
        }

        var without = Enumerable.Range(0, 5).Min(_ => ReadThroughHandler(64 * 1024));
        using var elsewhere = OpenInAnotherFlow();
        ReadThroughHandler(64 * 1024);
        var with = Enumerable.Range(0, 5).Min(_ => ReadThroughHandler(64 * 1024));

        Assert.True(with <= without, $"a call allocated {without} B, {with} B while a scope was open in another flow");
    }

    /// <summary>Opens a scope in a flow of its own (<see cref="ExecutionContext.Run"/> puts this flow back): open in the process, not on this flow.</summary>
    private static IDisposable OpenInAnotherFlow()
    {
        IDisposable? scope = null;
        ExecutionContext.Run(ExecutionContext.Capture()!, _ => scope = HttpCall.Observe(_ => { }), null);
        return scope!;
    }

    private static long ReadThroughHandler(long length) => StreamingAllocationTests.ReadThroughHandler(length, declareLength: true);
}
