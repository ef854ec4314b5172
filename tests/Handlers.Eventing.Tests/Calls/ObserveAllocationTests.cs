using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>
/// <see cref="HttpCall.Observe"/> costs nothing where it is not used (design principle 4): a scope open in another flow of the
/// process adds no allocation per chunk and none per call to a call whose flow has no scope.
/// </summary>
[Collection(nameof(AllocationCollection))]
public class ObserveAllocationTests
{
    private const int ReadSize = 16 * 1024;

    [Fact]
    public void Read_WhileAScopeIsOpenInAnotherFlow_AllocatesNoMorePerChunk()
    {
        using var elsewhere = OpenInAnotherFlow();
        ReadThroughHandler(1024 * 1024);
        ReadThroughHandler(16 * 1024 * 1024);

        var small = ReadThroughHandler(1024 * 1024);
        var large = ReadThroughHandler(16 * 1024 * 1024);

        // 64 vs 1024 chunks: anything allocated per chunk would show as tens of KiB.
        Assert.True(Math.Abs(large - small) < 2048, $"1 MiB body allocated {small} B, 16 MiB body allocated {large} B");
    }

    [Fact]
    public void Read_InsideAScope_AllocatesNoMorePerChunk()
    {
        // The chunk's listeners run without the scope (a call they start is not the scope's), and taking it off the flow
        // per chunk reuses one context per thread instead of allocating one.
        using var scope = HttpCall.Observe(_ => { });
        ReadThroughHandler(1024 * 1024);
        ReadThroughHandler(16 * 1024 * 1024);

        var small = ReadThroughHandler(1024 * 1024);
        var large = ReadThroughHandler(16 * 1024 * 1024);

        Assert.True(Math.Abs(large - small) < 2048, $"1 MiB body allocated {small} B, 16 MiB body allocated {large} B");
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

    private static long ReadThroughHandler(long length)
    {
        using var client = new HttpClient(new EventingHandler(InlineHandler.Generating(length, declareLength: true)));
        var buffer = new byte[ReadSize];
        long loaded = 0, chunkBytes = 0;
        Action<HttpProgress> onProgress = p => loaded = p.Loaded;
        Action<HttpDataEvent> onData = e => chunkBytes += e.Chunk.Length;

        var before = GC.GetAllocatedBytesForCurrentThread();
        using (var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/"))
        {
            HttpCall.For(request).On(HttpEvents.HttpDownloadProgress, onProgress).On(HttpEvents.HttpData, onData);
            using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead);
            using var stream = response.Content.ReadAsStream();
            while (stream.Read(buffer, 0, buffer.Length) > 0)
            {
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(length, loaded);
        Assert.Equal(length, chunkBytes);
        return allocated;
    }
}
