using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection
{
}

/// <summary>Streaming costs O(buffer), whatever the body size: emitting allocates nothing per chunk (docs/guarantees.md, "Memory flat, no per-chunk allocation").</summary>
[Collection(nameof(AllocationCollection))]
public class StreamingAllocationTests
{
    private const int ReadSize = 16 * 1024;

    /// <summary>
    /// Reads a 1 MiB (64 chunks) and a 16 MiB (1,024 chunks) body with <paramref name="read"/> after a warm-up (JIT, pools and
    /// first-use caches are not per-chunk costs) and asserts that the larger one allocated no more: anything allocated per
    /// chunk would show as tens of KiB.
    /// </summary>
    internal static void AssertNoMorePerChunk(Func<long, long> read)
    {
        read(1024 * 1024);
        read(16 * 1024 * 1024);

        var small = read(1024 * 1024);
        var large = read(16 * 1024 * 1024);

        Assert.True(Math.Abs(large - small) < 2048, $"1 MiB body allocated {small} B, 16 MiB body allocated {large} B");
    }

    /// <summary>Reads a generated body through an <see cref="EventingHandler"/> with a data and a progress listener; returns the bytes allocated.</summary>
    internal static long ReadThroughHandler(long length, bool declareLength, EventingOptions? options = null)
    {
        using var client = new HttpClient(new EventingHandler(InlineHandler.Generating(length, declareLength), options ?? new EventingOptions()));
        var buffer = new byte[ReadSize];
        long loaded = 0, chunkBytes = 0;
        var done = 0;
        Action<HttpProgress> onProgress = p => loaded = p.Loaded;
        Action<HttpDataEvent> onData = e => chunkBytes += e.Chunk.Length;
        Action<HttpCallResponse> onDone = _ => done++;

        var before = GC.GetAllocatedBytesForCurrentThread();
        using (var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/"))
        {
            HttpCall.For(request)
                .On(HttpEvents.HttpDownloadProgress, onProgress)
                .On(HttpEvents.HttpData, onData)
                .On(HttpEvents.HttpDone, onDone);
            using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead);
            using var stream = response.Content.ReadAsStream();
            while (stream.Read(buffer, 0, buffer.Length) > 0)
            {
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(length, loaded);
        Assert.Equal(length, chunkBytes);
        Assert.Equal(1, done);
        return allocated;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_SixteenTimesLargerBody_AllocatesNoMorePerChunk(bool declareLength) =>
        AssertNoMorePerChunk(length => ReadThroughHandler(length, declareLength));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_WithBodyIdleTimeout_SixteenTimesLargerBody_AllocatesNothingPerRead(bool declareLength)
    {
        // Issue 23's gate: the idle clock is one timer per body, armed and disarmed per read without allocating.
        var options = new EventingOptions { ResponseBody = new ResponseBodyOptions { IdleTimeout = TimeSpan.FromMinutes(1) } };
        AssertNoMorePerChunk(length => ReadThroughHandler(length, declareLength, options));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    public void Read_DecodedBodySixteenTimesLarger_AllocatesNoMorePerChunk(string coding)
    {
        // ResponseBody.AutomaticDecompression: the wire-counting stream, the BCL decoder and the progress with wire counts
        // add nothing per chunk. Encoded in memory: the transport's reads complete at once, so only the decoding path counts.
        var small = Internal.DecodingContentTests.Encode(coding, Infrastructure.LoopbackServer.WireBody(1024 * 1024));
        var large = Internal.DecodingContentTests.Encode(coding, Infrastructure.LoopbackServer.WireBody(16 * 1024 * 1024));
        ReadDecodedThroughHandler(small, coding, 1024 * 1024);
        ReadDecodedThroughHandler(large, coding, 16 * 1024 * 1024);

        var smallAllocated = ReadDecodedThroughHandler(small, coding, 1024 * 1024);
        var largeAllocated = ReadDecodedThroughHandler(large, coding, 16 * 1024 * 1024);

        // 64 vs 1024 chunks of decoded body (and ~32 vs ~500 transport reads): anything per chunk would show as tens of KiB.
        Assert.True(Math.Abs(largeAllocated - smallAllocated) < 2048, $"1 MiB body allocated {smallAllocated} B, 16 MiB body allocated {largeAllocated} B");
    }

    private static long ReadDecodedThroughHandler(byte[] encoded, string coding, long length)
    {
        var options = new EventingOptions { ResponseBody = { AutomaticDecompression = System.Net.DecompressionMethods.All } };
        using var client = new HttpClient(new EventingHandler(
            new InlineHandler(_ =>
            {
                var content = new ByteArrayContent(encoded);
                content.Headers.ContentEncoding.Add(coding);
                return new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = content };
            }),
            options));
        var buffer = new byte[ReadSize];
        long loaded = 0, wireLoaded = 0, chunkBytes = 0;
        Action<HttpProgress> onProgress = p => (loaded, wireLoaded) = (p.Loaded, p.WireLoaded ?? -1);
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
        Assert.Equal(encoded.Length, wireLoaded);
        return allocated;
    }

    [Fact]
    public async Task AwsSendAsync_LargeBody_MemoryStaysFlat()
    {
        const long length = 64L * 1024 * 1024;
        using var client = new HttpClient(new EventingHandler(InlineHandler.Generating(length, declareLength: true)));
        long received = 0;

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var call = client.CreateCall(HttpMethod.Get, "http://example.test/");
        var response = await call.On(HttpEvents.HttpData, e => received += e.Chunk.Length).SendAsync().WithTimeout();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(length, received);
        Assert.True(response.IsSuccess);

        // Nothing buffers the body: the whole call allocates a small fraction of it.
        Assert.True(allocated < 4 * 1024 * 1024, $"a {length} B body allocated {allocated} B");
    }
}
