using System.Diagnostics;
using System.Reflection;
using Handlers.Eventing.Testing;

namespace Handlers.Eventing.Tests.Reliability;

/// <summary>
/// "Memory stays flat": reading a body through the handler with httpData and progress listeners allocates nothing per chunk,
/// so a 64 MiB body costs the same allocations as a 1 MiB one. Measured on the reading thread, on the sync read path and on
/// the async one (an in-memory body completes every ReadAsync synchronously, so the whole loop stays on this thread).
/// </summary>
/// <remarks>
/// A Debug build of the library compiles async methods' state machines as classes, one allocation per call by design of the
/// compiler: the async path is held to the promise when the library is optimized (Release, as <c>.ci/run</c> builds it).
/// </remarks>
public sealed class AllocationTests
{
    private const int ReadSize = 16 * 1024;
    private const long Small = 1024 * 1024;
    private const long Large = 64 * 1024 * 1024;

    // The synchronous read path is covered by Calls/StreamingAllocationTests; this one holds the async path (pooled
    // ValueTask state machines) to the same bound.
    [Theory]
    [InlineData(true)]
    public void ReadBody_WithDataAndProgressListeners_AllocationsDoNotGrowWithTheBody(bool async)
    {
        using var client = new HttpClient(new EventingHandler(new InMemoryBodyHandler()));
        var buffer = new byte[ReadSize];
        Measure(client, buffer, Small, async); // warm-up: JIT, pools

        var small = Measure(client, buffer, Small, async);
        var large = Measure(client, buffer, Large, async);

        // 4,096 chunks: even 8 bytes per chunk would show as 32 KiB.
        Assert.True(large.Bytes == Large && small.Bytes == Small, $"read {large.Bytes} and {small.Bytes}");
        var optimized = typeof(HttpCall).Assembly.GetCustomAttribute<DebuggableAttribute>() is not { IsJITOptimizerDisabled: true };
        Assert.True(
            (async && !optimized) ||
            (large.Allocated - small.Allocated < 1024),
            $"reading {Large / ReadSize} chunks allocated {large.Allocated} bytes, {Small / ReadSize} chunks {small.Allocated} bytes");
    }

    private static (long Bytes, long Allocated) Measure(HttpClient client, byte[] buffer, long size, bool async)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://in-memory/{size}"));
        var listeners = new Listeners();
        HttpCall.For(request)
            .On(HttpEvents.HttpData, listeners.OnData)
            .On(HttpEvents.HttpDownloadProgress, listeners.OnProgress)
            .On(HttpEvents.Complete, listeners.OnComplete);
        using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead);
        using var stream = response.Content.ReadAsStream();

        var before = GC.GetAllocatedBytesForCurrentThread();
        int read;
        do
        {
            if (async)
            {
                var pending = stream.ReadAsync(buffer.AsMemory());
                Assert.True(pending.IsCompleted, "an in-memory read completes synchronously");
                read = pending.Result;
            }
            else
            {
                read = stream.Read(buffer, 0, buffer.Length);
            }
        }
        while (read > 0);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(listeners.Completed);
        Assert.Equal(size, listeners.Loaded);
        return (listeners.Data, allocated);
    }

    private sealed class Listeners
    {
        public long Data { get; private set; }

        public long Loaded { get; private set; }

        public bool Completed { get; private set; }

        public void OnData(HttpDataEvent e) => Data += e.Chunk.Length;

        public void OnProgress(HttpProgress p) => Loaded = p.Loaded;

        public void OnComplete(HttpCallResponse r) => Completed = r.Error is null;
    }

    /// <summary>Answers every request with a generated body whose length is the last path segment.</summary>
    private sealed class InMemoryBodyHandler : HttpMessageHandler
    {
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
            new() { RequestMessage = request, Content = new StreamContent(new GeneratingStream(long.Parse(request.RequestUri!.Segments[^1], System.Globalization.CultureInfo.InvariantCulture))) };

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Send(request, cancellationToken));
    }
}
