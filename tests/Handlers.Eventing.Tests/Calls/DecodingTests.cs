using System.Net;
using System.Security.Cryptography;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

/// <summary>The read paths a caller takes through a response body.</summary>
public enum ReadPath
{
    ReadAsync,
    Read,
    CopyToAsync,
    Buffered,
    AwsSend,
}

/// <summary>
/// <c>ResponseBody.AutomaticDecompression</c> on the loopback Kestrel server (design.md r3, "Progress on the wire"): the caller
/// gets what a plain client with <c>SocketsHttpHandler.AutomaticDecompression = All</c> gets (the oracle), and progress knows
/// the encoded body's length on every read path, over HTTP/1.1 and h2c.
/// </summary>
public class DecodingTests
{
    private const int Length = 300_000;

    public static TheoryData<string, bool, ReadPath> EncodedCases()
    {
        var data = new TheoryData<string, bool, ReadPath>();
        foreach (var coding in new[] { "gzip", "zlib", "raw", "br" })
        {
            foreach (var http2 in new[] { false, true })
            {
                foreach (var path in Enum.GetValues<ReadPath>())
                {
                    data.Add(coding, http2, path);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EncodedCases))]
    public async Task AutomaticDecompression_EncodedBody_CallerGetsWhatADecodingClientGetsAndProgressKnowsTheWire(string coding, bool http2, ReadPath path)
    {
        var server = await LoopbackServer.Shared;
        var encodedLength = LoopbackServer.WireEncoded(coding, Length).Length;
        var url = $"wire/{coding}/{Length}";
        using var oracle = LoopbackVersions.Client(http2, new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All });
        using var client = LoopbackVersions.EventingClient(http2, Decoding());

        using var expected = await oracle.SendAsync(server.Request(http2, url)).WithTimeout();
        var expectedBody = await expected.Content.ReadAsByteArrayAsync().WithTimeout();
        var (response, body, recorder) = await ReadAsync(client, server, http2, url, path);

        using (response)
        {
            // The bytes and the headers of the oracle, the Accept-Encoding the server saw included (it echoes it).
            Assert.Equal(SHA256.HashData(LoopbackServer.WireBody(Length)), SHA256.HashData(expectedBody));
            Assert.Equal(SHA256.HashData(expectedBody), SHA256.HashData(body));
            Assert.Equal(Describe(expected.Headers), Describe(response.Headers));
            Assert.Equal(Describe(expected.Content.Headers), Describe(response.Content.Headers));
            Assert.Equal(expected.Content.Headers.ContentLength, response.Content.Headers.ContentLength);
            Assert.Equal("gzip, deflate, br", Assert.Single(response.Headers.GetValues("X-Accept-Encoding")));
        }

        var events = recorder.DownloadProgress.ToArray();
        Assert.True(events.Length > 2, $"{events.Length} progress events");
        Assert.All(events, p =>
        {
            Assert.Null(p.Total);
            Assert.Equal(encodedLength, p.WireTotal);
        });
        Assert.Equal(events.Select(p => p.WireLoaded).Order(), events.Select(p => p.WireLoaded));
        var last = events[^1];
        Assert.Equal(Length, last.Loaded);
        Assert.Equal(encodedLength, last.WireLoaded);
        Assert.Equal(1.0, last.Fraction);
        Assert.True(events[0].Fraction < 1.0, $"first event at {events[0]}");
        Assert.EndsWith("httpDownloadProgress*,httpDone,success,complete:True", recorder.Compact().Replace("httpData*,", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(Length, recorder.Call.Response.BytesReceived);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Progress_UnencodedBody_WireEqualsLoadedAtEveryEvent(bool http2, bool libraryDecodes)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, libraryDecodes ? Decoding() : new EventingOptions());

        var (response, body, recorder) = await ReadAsync(client, server, http2, $"wire/identity/{Length}", ReadPath.ReadAsync);

        response.Dispose();
        Assert.Equal(LoopbackServer.WireBody(Length), body);
        var events = recorder.DownloadProgress.ToArray();
        Assert.True(events.Length > 2);
        Assert.All(events, p =>
        {
            Assert.Equal(p.Loaded, p.WireLoaded);
            Assert.Equal(p.Total, p.WireTotal);
            Assert.Equal(Length, p.Total);
        });
        Assert.Equal(1.0, events[^1].Fraction);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Progress_Upload_WireEqualsLoadedAtEveryEvent(bool http2)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, Decoding());
        using var request = server.Request(http2, "upload", HttpMethod.Post);
        request.Content = new ByteArrayContent(new byte[300_000]);
        var recorder = new EventRecorder(HttpCall.For(request));

        using var response = await client.SendAsync(request).WithTimeout();

        var events = recorder.UploadProgress.ToArray();
        Assert.True(events.Length > 2);
        Assert.All(events, p =>
        {
            Assert.Equal(p.Loaded, p.WireLoaded);
            Assert.Equal(300_000, p.WireTotal);
        });
        Assert.Equal(1.0, events[^1].Fraction);
    }

    [Theory]
    [InlineData(false, "gzip")]
    [InlineData(true, "gzip")]
    [InlineData(false, "br")]
    [InlineData(true, "zlib")]
    public async Task Progress_BodyThePrimaryHandlerDecoded_HasNoWireCounts(bool http2, string coding)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.Client(
            http2, new EventingHandler(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All }));

        var (response, body, recorder) = await ReadAsync(client, server, http2, $"wire/{coding}/{Length}", ReadPath.ReadAsync);

        response.Dispose();
        Assert.Equal(LoopbackServer.WireBody(Length), body);
        var events = recorder.DownloadProgress.ToArray();
        Assert.All(events, p =>
        {
            Assert.Null(p.WireLoaded);
            Assert.Null(p.WireTotal);
            Assert.Null(p.Total);
            Assert.Null(p.Fraction);
        });
        Assert.Equal(Length, events[^1].Loaded);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Progress_IdentityBodyUnderAPrimaryHandlerThatDecodes_WireEqualsLoaded(bool http2)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.Client(
            http2, new EventingHandler(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All }));

        var (response, _, recorder) = await ReadAsync(client, server, http2, $"wire/identity/{Length}", ReadPath.ReadAsync);

        response.Dispose();
        Assert.All(recorder.DownloadProgress, p =>
        {
            Assert.Equal(p.Loaded, p.WireLoaded);
            Assert.Equal(Length, p.WireTotal);
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Progress_EncodedBodyWithoutContentLength_WireLoadedCountsWithoutATotal(bool http2)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, Decoding());

        var (response, body, recorder) = await ReadAsync(client, server, http2, $"wire/gzip/{Length}?length=false", ReadPath.ReadAsync);

        response.Dispose();
        Assert.Equal(LoopbackServer.WireBody(Length), body);
        var events = recorder.DownloadProgress.ToArray();
        Assert.All(events, p => Assert.Null(p.WireTotal));
        Assert.All(events, p => Assert.Null(p.Fraction));
        Assert.Equal(LoopbackServer.WireEncoded("gzip", Length).Length, events[^1].WireLoaded);
    }

    [Theory]
    [InlineData("identity")]
    [InlineData("gzip;q=0.5")]
    [InlineData("br, GZIP")]
    public async Task AcceptEncoding_RequestWithItsOwn_SameAsADecodingClientSends(string acceptEncoding)
    {
        var server = await LoopbackServer.Shared;
        using var oracle = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All });
        using var client = LoopbackVersions.EventingClient(http2: false, Decoding());

        using var expectedRequest = new HttpRequestMessage(HttpMethod.Get, server.Url($"wire/gzip/{Length}"));
        expectedRequest.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        using var actualRequest = new HttpRequestMessage(HttpMethod.Get, server.Url($"wire/gzip/{Length}"));
        actualRequest.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        using var expected = await oracle.SendAsync(expectedRequest).WithTimeout();
        using var actual = await client.SendAsync(actualRequest).WithTimeout();

        Assert.Equal(expected.Headers.GetValues("X-Accept-Encoding"), actual.Headers.GetValues("X-Accept-Encoding"));
        Assert.Equal(await expected.Content.ReadAsByteArrayAsync(), await actual.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(DecompressionMethods.GZip, "gzip", true)]
    [InlineData(DecompressionMethods.GZip, "br", false)]
    [InlineData(DecompressionMethods.Brotli, "br", true)]
    [InlineData(DecompressionMethods.Deflate, "raw", true)]
    [InlineData(DecompressionMethods.Deflate, "gzip", false)]
    public async Task AutomaticDecompression_OnlyTheEnabledCodings_AreAskedForAndDecoded(DecompressionMethods methods, string coding, bool decoded)
    {
        var server = await LoopbackServer.Shared;
        using var oracle = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = methods });
        using var client = LoopbackVersions.EventingClient(http2: false, new EventingOptions { ResponseBody = { AutomaticDecompression = methods } });

        using var expected = await oracle.GetAsync(server.Url($"wire/{coding}/{Length}")).WithTimeout();
        var (response, body, recorder) = await ReadAsync(client, server, http2: false, $"wire/{coding}/{Length}", ReadPath.Buffered);

        using (response)
        {
            Assert.Equal(expected.Headers.GetValues("X-Accept-Encoding"), response.Headers.GetValues("X-Accept-Encoding"));
            Assert.Equal(await expected.Content.ReadAsByteArrayAsync(), body);
            Assert.Equal(Describe(expected.Content.Headers), Describe(response.Content.Headers));
        }

        var last = recorder.DownloadProgress.Last();
        Assert.Equal(decoded ? null : last.Loaded, last.Total);
        Assert.Equal(LoopbackServer.WireEncoded(decoded ? coding : "identity", Length).Length, last.WireTotal);
    }

    [Fact]
    public void ResponseBodyOptions_AutomaticDecompression_IsNoneByDefaultAndCopiedWithTheOptions()
    {
        var options = new EventingOptions();
        Assert.Equal(DecompressionMethods.None, options.ResponseBody.AutomaticDecompression);

        options.ResponseBody.AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Brotli;
        options.ResponseBody.IdleTimeout = TimeSpan.FromSeconds(3);
        var copy = options.ResponseBody.Clone();
        options.ResponseBody.AutomaticDecompression = DecompressionMethods.None;

        Assert.Equal(DecompressionMethods.GZip | DecompressionMethods.Brotli, copy.AutomaticDecompression);
        Assert.Equal(TimeSpan.FromSeconds(3), copy.IdleTimeout);
    }

    internal static EventingOptions Decoding() => new() { ResponseBody = { AutomaticDecompression = DecompressionMethods.All } };

    internal static async Task<(HttpResponseMessage Response, byte[] Body, EventRecorder Recorder)> ReadAsync(
        HttpClient client, LoopbackServer server, bool http2, string url, ReadPath path)
    {
        if (path == ReadPath.AwsSend)
        {
            var call = client.CreateCall(HttpMethod.Get, server.Url(http2, url));
            var awsRecorder = new EventRecorder(call);
            var result = await call.SendAsync().WithTimeout();
            return (result.HttpResponse!, awsRecorder.Body.ToArray(), awsRecorder);
        }

        var request = server.Request(http2, url);
        var recorder = new EventRecorder(HttpCall.For(request), data: false);
        var option = path == ReadPath.Buffered ? HttpCompletionOption.ResponseContentRead : HttpCompletionOption.ResponseHeadersRead;
        var response = await client.SendAsync(request, option).WithTimeout();
        using var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        switch (path)
        {
            case ReadPath.ReadAsync:
            {
                await using var stream = await response.Content.ReadAsStreamAsync();
                int read;
                while ((read = await stream.ReadAsync(buffer).AsTask().WithTimeout()) > 0)
                {
                    body.Write(buffer, 0, read);
                }

                break;
            }

            case ReadPath.Read:
            {
                await Task.Run(() =>
                {
                    using var stream = response.Content.ReadAsStream();
                    int read;
                    while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        body.Write(buffer, 0, read);
                    }
                }).WithTimeout();
                break;
            }

            case ReadPath.CopyToAsync:
                await response.Content.CopyToAsync(body).WithTimeout();
                break;
            default:
                body.Write(await response.Content.ReadAsByteArrayAsync().WithTimeout());
                break;
        }

        await recorder.Call.Completion.WithTimeout();
        return (response, body.ToArray(), recorder);
    }

    internal static string Describe(System.Net.Http.Headers.HttpHeaders headers) =>
        string.Join("; ", headers.NonValidated
            .Where(h => !string.Equals(h.Key, "Date", StringComparison.OrdinalIgnoreCase))
            .Select(h => $"{h.Key}: {string.Join(",", h.Value)}")
            .Order(StringComparer.OrdinalIgnoreCase));
}
