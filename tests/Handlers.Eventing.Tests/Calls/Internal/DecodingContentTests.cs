using System.IO.Compression;
using System.Net;
using Handlers.Eventing.Internal;
using Handlers.Eventing.Testing;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls.Internal;

/// <summary>The decoder slot in memory: the progress event of a trailer, the headers, what is and is not decoded.</summary>
public class DecodingContentTests
{
    [Fact]
    public async Task Read_TrailerArrivesAfterTheLastChunk_OneProgressEventWithoutDataBeforeHttpDone()
    {
        var body = LoopbackServer.WireBody(100_000);
        var encoded = Gzip(body);
        // The transport gives everything but gzip's 8-byte trailer first: the decoder delivers the last chunk, then reads the
        // trailer on the read that returns 0.
        using var client = new HttpClient(new EventingHandler(GzipTransport(encoded, split: encoded.Length - 8), Options()));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
        var names = recorder.Names;
        var done = names.ToList().IndexOf("httpDone");
        Assert.Equal(["httpData", "httpDownloadProgress", "httpDone"], names.Skip(done - 2).Take(3));
        var events = recorder.DownloadProgress.ToArray();
        Assert.Equal(encoded.Length - 8, events[^2].WireLoaded);
        Assert.Equal(body.Length, events[^2].Loaded);
        Assert.Equal(encoded.Length, events[^1].WireLoaded);
        Assert.Equal(body.Length, events[^1].Loaded);
        Assert.Equal(encoded.Length, events[^1].WireTotal);
    }

    [Fact]
    public async Task Read_WholeBodyInOneTransportRead_NoExtraProgressEvent()
    {
        var body = LoopbackServer.WireBody(4_000);
        var encoded = Gzip(body);
        using var client = new HttpClient(new EventingHandler(GzipTransport(encoded, split: encoded.Length), Options()));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
        Assert.Equal(recorder.Count("httpDownloadProgress"), recorder.Count("httpData"));
        Assert.Equal(encoded.Length, recorder.DownloadProgress.Last().WireLoaded);
    }

    [Fact]
    public void TryCreate_TwoCodings_DecodesTheLastAndKeepsTheFirst()
    {
        using var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.ContentEncoding.Add("gzip");
        content.Headers.ContentEncoding.Add("br");
        content.Headers.ContentLength = 3;

        using var decoding = DecodingContent.TryCreate(content, DecompressionMethods.All);

        Assert.NotNull(decoding);
        Assert.Equal(["gzip"], decoding.Headers.ContentEncoding);
        Assert.Null(decoding.Headers.ContentLength);
        Assert.Equal(3, decoding.WireTotal);
    }

    [Theory]
    [InlineData(DecompressionMethods.None, "gzip")]
    [InlineData(DecompressionMethods.GZip, "br")]
    [InlineData(DecompressionMethods.Deflate, "gzip")]
    [InlineData(DecompressionMethods.Brotli, "deflate")]
    [InlineData(DecompressionMethods.GZip | DecompressionMethods.Deflate, "br")]
    [InlineData(DecompressionMethods.All, "identity")]
    [InlineData(DecompressionMethods.All, "zstd")]
    [InlineData(DecompressionMethods.All, null)]
    public void TryCreate_CodingNotEnabledOrNone_LeavesTheContent(DecompressionMethods methods, string? coding)
    {
        using var content = new ByteArrayContent([1, 2, 3]);
        if (coding is not null)
        {
            content.Headers.ContentEncoding.Add(coding);
        }

        Assert.Null(DecodingContent.TryCreate(content, methods));
    }

    [Fact]
    public async Task IsDecodedBelow_TheRuntimesDecompressedContent_TrueAndTheTransportsFalse()
    {
        var server = await LoopbackServer.Shared;
        using var decoding = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All });
        using var plain = new HttpClient(new SocketsHttpHandler());

        using var decoded = await decoding.GetAsync(server.Url("wire/gzip/1000")).WithTimeout();
        using var identity = await decoding.GetAsync(server.Url("wire/identity/1000")).WithTimeout();
        using var encoded = await plain.GetAsync(server.Url("wire/gzip/1000")).WithTimeout();

        Assert.True(DecodingContent.IsDecodedBelow(decoded.Content));
        Assert.False(DecodingContent.IsDecodedBelow(identity.Content));
        Assert.False(DecodingContent.IsDecodedBelow(encoded.Content));
    }

    [Fact]
    public void PrimaryDecompression_FindsThePrimaryHandlerUnderDelegatingHandlers()
    {
        var primary = new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.Brotli };
        using var pipeline = new PassThroughHandler { InnerHandler = new PassThroughHandler { InnerHandler = primary } };

        Assert.Equal(DecompressionMethods.Brotli, DecodingContent.PrimaryDecompression(pipeline));
        Assert.Equal(DecompressionMethods.GZip, DecodingContent.PrimaryDecompression(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.GZip }));
        Assert.Equal(DecompressionMethods.None, DecodingContent.PrimaryDecompression(new InlineHandler(_ => new HttpResponseMessage())));
    }

    [Fact]
    public async Task ReadAsStream_Twice_ThrowsAsTheRuntimesDecodedContentDoes()
    {
        using var content = new ByteArrayContent(Gzip([1, 2, 3]));
        content.Headers.ContentEncoding.Add("gzip");
        using var decoding = DecodingContent.TryCreate(content, DecompressionMethods.All)!;

        await using var stream = await decoding.ReadAsStreamAsync();
        Assert.Equal([1, 2, 3], await ReadAllAsync(stream));
        await Assert.ThrowsAsync<InvalidOperationException>(() => decoding.CopyToAsync(Stream.Null));
    }

    [Theory]
    [InlineData("gzip", 0)]
    [InlineData("gzip", 1)]
    [InlineData("gzip", 2)]
    [InlineData("deflate", 0)]
    [InlineData("deflate", 1)]
    [InlineData("deflate", 2)]
    [InlineData("br", 1)]
    [InlineData("br", 2)]
    public async Task Dispose_MidBody_ReleasesTheTransportsStreamUnderTheDecoder(string coding, int progress)
    {
        // The caller abandons a decoded body (progress: 0 = never opened, 1 = opened, 2 = partly read): the decoder, its wire
        // counter and the transport's stream under them are released, also when no decoder was made yet, or a zlib-or-raw-deflate
        // decoder was not chosen yet.
        var encoded = Encode(coding, LoopbackServer.WireBody(200_000));
        var transport = new DisposalCountingStream(encoded);
        using var client = new HttpClient(new EventingHandler(
            new InlineHandler(_ =>
            {
                var content = new StreamContent(transport);
                content.Headers.ContentEncoding.Add(coding);
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
            }),
            Options()));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");
        var call = HttpCall.For(request);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        if (progress > 0)
        {
            var stream = await response.Content.ReadAsStreamAsync();
            if (progress > 1)
            {
                await stream.ReadExactlyAsync(new byte[1_000]).AsTask().WithTimeout();
            }
        }

        response.Dispose();

        Assert.True(transport.Disposals > 0, "The transport's stream under the decoder is released when the body is disposed.");
        Assert.IsType<HttpCallAbandonedException>((await call.Completion.WithTimeout()).Error);
    }

    [Theory]
    [InlineData("gzip", false)]
    [InlineData("gzip", true)]
    [InlineData("deflate", false)]
    [InlineData("deflate", true)]
    [InlineData("raw deflate", false)]
    [InlineData("raw deflate", true)]
    [InlineData("br", false)]
    [InlineData("br", true)]
    public void Synchronous_ReadOrCopy_DecodesAndCountsEveryWireByte(string coding, bool copy)
    {
        // The library itself reads a decoder asynchronously (a synchronous caller waits on that read, so that Abort ends it);
        // the decoding content still keeps HttpContent's synchronous contract for anything else that reads it.
        var body = LoopbackServer.WireBody(50_000);
        var encoded = coding == "raw deflate" ? RawDeflate(body) : Encode(coding, body);
        using var content = new StreamContent(new MemoryStream(encoded, writable: false));
        content.Headers.ContentEncoding.Add(coding == "raw deflate" ? "deflate" : coding);
        using var decoding = DecodingContent.TryCreate(content, DecompressionMethods.All)!;
        using var output = new MemoryStream();

        if (copy)
        {
            decoding.CopyTo(output, context: null, CancellationToken.None);
        }
        else
        {
            using var stream = decoding.ReadAsStream();
            var buffer = new byte[4096];
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                output.Write(buffer, 0, read);
            }
        }

        Assert.Equal(body, output.ToArray());
        Assert.Equal(encoded.Length, decoding.WireLoaded);
        Assert.Null(decoding.Headers.ContentLength);
        if (copy)
        {
            // A copy consumed the body: reading it again fails as the runtime's decoded content does (a read stream is cached).
            Assert.Throws<InvalidOperationException>(() => decoding.ReadAsStream());
        }
    }

    private static byte[] RawDeflate(byte[] body)
    {
        using var encoded = new MemoryStream();
        using (var deflate = new DeflateStream(encoded, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(body);
        }

        return encoded.ToArray();
    }

    internal static byte[] Encode(string coding, byte[] body)
    {
        using var encoded = new MemoryStream();
        using (Stream encoder = coding switch
        {
            "gzip" => new GZipStream(encoded, CompressionLevel.Fastest, leaveOpen: true),
            "deflate" => new ZLibStream(encoded, CompressionLevel.Fastest, leaveOpen: true),
            _ => new BrotliStream(encoded, CompressionLevel.Fastest, leaveOpen: true),
        })
        {
            encoder.Write(body);
        }

        return encoded.ToArray();
    }

    internal static byte[] Gzip(byte[] body)
    {
        using var encoded = new MemoryStream();
        using (var gzip = new GZipStream(encoded, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }

        return encoded.ToArray();
    }

    private static EventingOptions Options() => new() { ResponseBody = { AutomaticDecompression = DecompressionMethods.All } };

    private static InlineHandler GzipTransport(byte[] encoded, int split) => new(_ =>
    {
        var content = new StreamContent(new SplitStream(encoded, split));
        content.Headers.ContentEncoding.Add("gzip");
        content.Headers.ContentLength = encoded.Length;
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    });

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>A transport's stream over fixed bytes that counts its disposals.</summary>
    private sealed class DisposalCountingStream(byte[] data) : MemoryStream(data, writable: false)
    {
        private int _disposals;

        public int Disposals => Volatile.Read(ref _disposals);

        protected override void Dispose(bool disposing)
        {
            Interlocked.Increment(ref _disposals);
            base.Dispose(disposing);
        }
    }

    /// <summary>Gives <c>data[..split]</c> first (as far as each read's buffer goes), then the rest, never across the split.</summary>
    private sealed class SplitStream(byte[] data, int split) : global::Handlers.Eventing.Testing.ReadOnlyStream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var end = _position < split ? split : data.Length;
            var count = Math.Min(buffer.Length, end - _position);
            data.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(Read(buffer.Span));
    }
}
