using System.Net;
using System.Security.Cryptography;
using Handlers.Eventing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Handlers.Eventing.Tests.Calls;

// Issue 25: a body cut mid-stream resumes with Range/If-Range, transparently to the caller's stream. The server cuts the
// connection (or stalls) after a fixed number of bytes on purpose (/resume), and answers the Range request right or in
// each of the wrong ways real servers answer it.
public class ResumeTests
{
    private const int Length = 300_000;
    private const int Cut = 100_000;

    public enum ReadPath
    {
        StreamReadAsync,
        StreamRead,
        StreamCopyToAsync,
        ContentCopyToAsync,
        ContentCopyTo,
        Buffered,
        AwsCall,
    }

    public static TheoryData<bool, PipelineShape, ReadPath> Paths()
    {
        var data = new TheoryData<bool, PipelineShape, ReadPath>();
        foreach (var http2 in new[] { false, true })
        {
            foreach (var path in Enum.GetValues<ReadPath>())
            {
                data.Add(http2, PipelineShape.OneLayer, path);
            }

            data.Add(http2, PipelineShape.TwoParts, ReadPath.StreamReadAsync);
            data.Add(http2, PipelineShape.TwoParts, ReadPath.Buffered);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Cut_Resumed_CallerGetsTheBytesOfAnUncutDownloadOnTheSameStream(bool http2, PipelineShape shape, ReadPath path)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2, shape, ResumeOptions(1));
        var key = LoopbackServer.NewKey();
        var (call, body, recorder, retries) = await DownloadAsync(server, client, http2, $"resume/{Length}?key={key}&cut={Cut}", path);

        var final = await call.Completion.WithTimeout();
        Assert.Null(final.Error);
        Assert.Equal(SHA256.HashData(LoopbackServer.Pattern(Length)), SHA256.HashData(body));
        Assert.Equal(1, final.RetryCount);
        Assert.Equal(1, final.Attempt);
        Assert.Equal(Length, final.BytesReceived);

        var names = recorder.Compact();
        Assert.StartsWith("httpHeaders:200,", names, StringComparison.Ordinal);
        Assert.Contains(",httpError,retry:2,httpHeaders:206,", names, StringComparison.Ordinal);
        Assert.EndsWith(",httpDone,success,complete:True", names, StringComparison.Ordinal);
        Assert.Equal(1, recorder.Count("httpDone"));

        var retry = Assert.Single(retries);
        Assert.Equal(HttpAttemptKind.Resume, retry.Kind);
        Assert.Same(Assert.Single(recorder.HttpErrors), retry.PreviousError);
        Assert.Null(retry.Delay);
        Assert.Null(retry.PreviousStatusCode);

        // Progress never goes backwards, keeps the whole body's total, and ends at it.
        var progress = recorder.DownloadProgress.ToArray();
        Assert.All(progress.Zip(progress.Skip(1)), p => Assert.True(p.Second.Loaded >= p.First.Loaded, $"{p.First.Loaded} then {p.Second.Loaded}"));
        Assert.All(progress, p => Assert.Equal(Length, p.Total));
        Assert.All(progress, p => Assert.Equal(p.Loaded, p.WireLoaded));
        Assert.Equal(Length, progress[^1].Loaded);
        Assert.Contains(progress, p => p.Attempt == 2);

        // The server's view: the first request, then one for the rest from what the reader had received.
        var requests = server.ResumeRequests(key);
        Assert.Equal(2, requests.Count);
        Assert.Equal("- | -", requests[0]);
        var offset = progress.Where(p => p.Attempt == 1).Max(p => p.Loaded);
        Assert.Equal($"bytes={offset}- | {LoopbackServer.ResumeETag(Length)}", requests[1]);
    }

    public static TheoryData<bool, ReadPath> DecodedPaths()
    {
        var data = new TheoryData<bool, ReadPath>();
        foreach (var http2 in new[] { false, true })
        {
            foreach (var path in new[] { ReadPath.StreamReadAsync, ReadPath.StreamRead, ReadPath.ContentCopyToAsync, ReadPath.ContentCopyTo, ReadPath.Buffered, ReadPath.AwsCall })
            {
                data.Add(http2, path);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DecodedPaths))]
    public async Task DecodedBody_ResumedAtItsEncodedOffset_DecoderGoesOn(bool http2, ReadPath path)
    {
        var server = await LoopbackServer.Shared;
        var options = ResumeOptions(1);
        options.ResponseBody.AutomaticDecompression = DecompressionMethods.All;
        using var client = LoopbackVersions.EventingClient(http2, options);
        var key = LoopbackServer.NewKey();
        var encoded = LoopbackServer.WireEncoded("gzip", Length);
        var cut = encoded.Length / 3;

        var (call, body, recorder, retries) = await DownloadAsync(server, client, http2, $"resume/{Length}?key={key}&cut={cut}&encoding=gzip", path);

        Assert.Null((await call.Completion.WithTimeout()).Error);
        Assert.Equal(SHA256.HashData(LoopbackServer.WireBody(Length)), SHA256.HashData(body));
        Assert.Equal(HttpAttemptKind.Resume, Assert.Single(retries).Kind);

        // The wire pair counts the encoded body across both attempts; the decoded count goes on too.
        var progress = recorder.DownloadProgress.ToArray();
        Assert.All(progress, p => Assert.Equal(encoded.Length, p.WireTotal));
        Assert.All(progress.Zip(progress.Skip(1)), p => Assert.True(p.Second.WireLoaded >= p.First.WireLoaded && p.Second.Loaded >= p.First.Loaded));
        Assert.Equal(encoded.Length, progress[^1].WireLoaded);
        Assert.Equal(Length, progress[^1].Loaded);
        Assert.Equal(1.0, progress[^1].Fraction);
        Assert.Equal($"bytes={cut}- | {LoopbackServer.ResumeETag(encoded.Length)}", server.ResumeRequests(key)[1]);
    }

    [Fact]
    public async Task BodyDecodedByThePrimaryHandler_NotResumable()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.Client(false, new EventingHandler(
            new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All }, ResumeOptions(1)));
        var key = LoopbackServer.NewKey();
        var cut = LoopbackServer.WireEncoded("gzip", Length).Length / 3;
        using var request = server.Request(false, $"resume/{Length}?key={key}&cut={cut}&encoding=gzip");
        var call = HttpCall.For(request);
        var retries = 0;
        call.On(HttpEvents.Retry, _ => retries++);

        // The caller never sees the encoded offset: tell the server when the whole first part arrived, from below the decoder.
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout())
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            server.Signal($"{key}@{cut}");
            await Assert.ThrowsAnyAsync<IOException>(() => stream.CopyToAsync(Stream.Null).WithTimeout());
        }

        Assert.NotNull((await call.Completion.WithTimeout()).Error);
        Assert.Equal(0, retries);
        Assert.Single(server.ResumeRequests(key));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stall_ResumedWithinTheIdleTimeout(bool http2)
    {
        var server = await LoopbackServer.Shared;
        var options = ResumeOptions(1);
        options.ResponseBody.IdleTimeout = TimeSpan.FromMilliseconds(300);
        using var client = LoopbackVersions.EventingClient(http2, options);
        var key = LoopbackServer.NewKey();

        var (call, body, recorder, retries) = await DownloadAsync(server, client, http2, $"resume/{Length}?key={key}&cut={Cut}&stall=true", ReadPath.StreamReadAsync);

        Assert.Null((await call.Completion.WithTimeout()).Error);
        Assert.Equal(LoopbackServer.Pattern(Length), body);
        Assert.IsType<HttpBodyIdleTimeoutException>(Assert.Single(retries).PreviousError);
    }

    [Theory]
    [InlineData("lastmod")]
    public async Task LastModifiedValidator_ResumedWithIfRangeDate(string validator)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(false, ResumeOptions(1));
        var key = LoopbackServer.NewKey();

        var (call, body, _, _) = await DownloadAsync(server, client, false, $"resume/{Length}?key={key}&cut={Cut}&validator={validator}", ReadPath.StreamReadAsync);

        Assert.Null((await call.Completion.WithTimeout()).Error);
        Assert.Equal(LoopbackServer.Pattern(Length), body);
        Assert.EndsWith("| Fri, 02 Jan 2026 03:04:05 GMT", server.ResumeRequests(key)[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ignore", 200)]
    [InlineData("416", 416)]
    [InlineData("etag", 206)]
    [InlineData("elsewhere", 206)]
    [InlineData("length", 206)]
    public async Task Refused_CallerReadThrowsTheFailureAndTheRefusedAttemptRaisesOnlyItsHeaders(string mode, int status)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(false, ResumeOptions(3));
        var key = LoopbackServer.NewKey();

        var (call, thrown, recorder) = await FailingDownloadAsync(server, client, $"resume/{Length}?key={key}&cut={Cut}&mode={mode}");

        var final = await call.Completion.WithTimeout();
        var cut = Assert.Single(recorder.HttpErrors);
        Assert.Same(cut, thrown);
        Assert.Same(cut, final.Error);
        Assert.IsAssignableFrom<IOException>(cut);
        Assert.Equal($"httpHeaders:200,httpError,retry:2,httpHeaders:{status},error,complete:True", Names(recorder));
        Assert.Equal(2, server.ResumeRequests(key).Count);
    }

    [Fact]
    public async Task ResumeSendFails_CallerReadThrowsTheCutFailure()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(false, ResumeOptions(1));
        var key = LoopbackServer.NewKey();

        var (call, thrown, recorder) = await FailingDownloadAsync(server, client, $"resume/{Length}?key={key}&cut={Cut}&mode=reset");

        var final = await call.Completion.WithTimeout();
        Assert.Same(final.Error, thrown);
        Assert.Equal(2, recorder.HttpErrors.Count); // the cut, then the resume's own failed send
        Assert.Same(recorder.HttpErrors.First(), thrown);
        Assert.Equal("httpHeaders:200,httpError,retry:2,httpError,error,complete:True", Names(recorder));
    }

    [Fact]
    public async Task ResumeAnswerNeverComes_TheIdleClockEndsTheWait_ReadThrowsTheCutFailure()
    {
        var server = await LoopbackServer.Shared;
        var options = ResumeOptions(1);
        options.ResponseBody.IdleTimeout = TimeSpan.FromMilliseconds(300);
        using var client = LoopbackVersions.EventingClient(false, options);
        var key = LoopbackServer.NewKey();

        var (call, thrown, recorder) = await FailingDownloadAsync(server, client, $"resume/{Length}?key={key}&cut={Cut}&mode=hang");

        var final = await call.Completion.WithTimeout();
        var cut = Assert.Single(recorder.HttpErrors);
        Assert.Same(cut, thrown);
        Assert.Same(cut, final.Error);
        Assert.IsNotType<HttpBodyIdleTimeoutException>(cut);
        Assert.Equal("httpHeaders:200,httpError,retry:2,error,complete:True", Names(recorder));
    }

    [Fact]
    public async Task Exhausted_EachResumeCutAgain_ThirdCutFailsTheCall()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(false, ResumeOptions(2));
        var key = LoopbackServer.NewKey();

        var (call, thrown, recorder) = await FailingDownloadAsync(server, client, $"resume/{Length}?key={key}&cut=50000&cuts=3");

        var final = await call.Completion.WithTimeout();
        Assert.True(3 == recorder.HttpErrors.Count, $"{Names(recorder)}: {string.Join(" | ", recorder.HttpErrors.Select(e => e.Message))}; server {string.Join(" / ", server.ResumeRequests(key))}");
        Assert.Same(recorder.HttpErrors.Last(), thrown);
        Assert.Same(thrown, final.Error);
        Assert.Equal(2, final.RetryCount);
        Assert.Equal(3, server.ResumeRequests(key).Count);
        Assert.Equal(150_000, final.BytesReceived);
    }

    [Theory]
    [InlineData("validator=weak", 1)]
    [InlineData("validator=none", 1)]
    [InlineData("ranges=false", 1)]
    [InlineData("", 0)]
    public async Task NotResumable_FailsAsWithoutResume_NoRetryEvent(string query, int maxResumes)
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(false, ResumeOptions(maxResumes));
        var key = LoopbackServer.NewKey();

        var (call, thrown, recorder) = await FailingDownloadAsync(server, client, $"resume/{Length}?key={key}&cut={Cut}&{query}");

        Assert.Same(thrown, (await call.Completion.WithTimeout()).Error);
        Assert.Equal("httpHeaders:200,httpError,error,complete:True", Names(recorder));
        Assert.Single(server.ResumeRequests(key));
    }

    [Fact]
    public async Task DecoderFailure_OfAResumableBody_IsNotResumed()
    {
        // Everything else about this body is resumable (a GET, 200, a strong ETag, ranges accepted, resumes left): only the
        // kind of failure — the decoder's, not the transport's — keeps it from being resumed.
        var server = await LoopbackServer.Shared;
        var options = ResumeOptions(1);
        options.ResponseBody.AutomaticDecompression = DecompressionMethods.GZip;
        using var client = LoopbackVersions.EventingClient(false, options);
        var key = LoopbackServer.NewKey();

        var (call, thrown, recorder) = await FailingDownloadAsync(server, client, $"resume/{Length}?key={key}&encoding=gzip&cut=20000&cuts=0&mode=corrupt");

        Assert.IsType<InvalidDataException>(thrown);
        Assert.Same(thrown, (await call.Completion.WithTimeout()).Error);
        Assert.DoesNotContain("retry", recorder.Names);
        Assert.Single(server.ResumeRequests(key));
    }

    [Theory]
    [InlineData(HttpCompletionOption.ResponseContentRead)]
    [InlineData(HttpCompletionOption.ResponseHeadersRead)]
    public async Task BodyReadInsideThePipeline_BeforeTheCallReturnedIt_IsNotResumed(HttpCompletionOption completion)
    {
        // A handler between the call part and the attempt part buffers the body: the cut happens before the call returned
        // that body to anyone, so there is no reader to resume for; the send fails as it would without resume.
        var server = await LoopbackServer.Shared;
        using var client = new HttpClient(new global::Handlers.Eventing.Internal.CallHandler(ResumeOptions(1).Snapshot(), services: null)
        {
            InnerHandler = new BufferingHandler { InnerHandler = new global::Handlers.Eventing.Internal.AttemptHandler { InnerHandler = new SocketsHttpHandler() } },
        });
        var key = LoopbackServer.NewKey();
        using var request = server.Request(false, $"resume/{Length}?key={key}&cut={Cut}");
        var call = HttpCall.For(request);
        server.SignalDelivered(call, key);
        var recorder = new EventRecorder(call, data: false, progress: false);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(request, completion).WithTimeout());

        Assert.Same((await call.Completion.WithTimeout()).Error, thrown);
        Assert.DoesNotContain("retry", recorder.Names);
        Assert.Single(server.ResumeRequests(key));
    }

    [Fact]
    public async Task AbortInTheResumeRetryEvent_ReadThrowsTheAbort()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(false, ResumeOptions(1));

        var (call, thrown, _) = await FailingDownloadAsync(
            server, client, $"resume/{Length}?key={LoopbackServer.NewKey()}&cut={Cut}", c => c.On(HttpEvents.Retry, _ => c.Abort()));

        var aborted = Assert.IsAssignableFrom<OperationCanceledException>(thrown);
        Assert.Contains("abort", aborted.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Same(thrown, (await call.Completion.WithTimeout()).Error);
    }

    [Fact]
    public async Task RetryListenerThrowsForTheResume_ReadThrowsTheListenersException_NoResumeSent()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(false, ResumeOptions(1));
        var key = LoopbackServer.NewKey();
        var listenerException = new ListenerException("retry");

        var (call, thrown, _) = await FailingDownloadAsync(
            server, client, $"resume/{Length}?key={key}&cut={Cut}", c => c.On(HttpEvents.Retry, _ => throw listenerException));

        Assert.Same(listenerException, thrown);
        Assert.Same(listenerException, (await call.Completion.WithTimeout()).Error);
        Assert.Single(server.ResumeRequests(key));
    }

    [Fact]
    public async Task CallerCancelsInTheResumeRetryEvent_ReadThrowsTheCallersCancellation()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(false, ResumeOptions(1));
        using var cancellation = new CancellationTokenSource();

        var (call, thrown, _) = await FailingDownloadAsync(
            server,
            client,
            $"resume/{Length}?key={LoopbackServer.NewKey()}&cut={Cut}",
            c => c.On(HttpEvents.Retry, _ => cancellation.Cancel()),
            cancellation.Token);

        Assert.Equal(cancellation.Token, Assert.IsAssignableFrom<OperationCanceledException>(thrown).CancellationToken);
        Assert.Same(thrown, (await call.Completion.WithTimeout()).Error);
    }

    [Fact]
    public async Task HandlerChainDisposedBeforeTheResume_RefusedCleanly()
    {
        var server = await LoopbackServer.Shared;
        var client = LoopbackVersions.EventingClient(false, ResumeOptions(1));

        var (call, thrown, _) = await FailingDownloadAsync(
            server, client, $"resume/{Length}?key={LoopbackServer.NewKey()}&cut={Cut}", c => c.On(HttpEvents.HttpError, _ => client.Dispose()));

        Assert.IsAssignableFrom<IOException>(thrown);
        Assert.Same(thrown, (await call.Completion.WithTimeout()).Error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ThroughAddStandardResilienceHandler_Resumed(bool eventingFirst)
    {
        var server = await LoopbackServer.Shared;
        var services = new ServiceCollection();
        var builder = services.AddHttpClient("files");
        if (eventingFirst)
        {
            builder.AddEventing(o => o.ResponseBody.MaxResumeAttempts = 1);
            builder.AddStandardResilienceHandler();
        }
        else
        {
            builder.AddStandardResilienceHandler();
            builder.AddEventing(o => o.ResponseBody.MaxResumeAttempts = 1);
        }

        using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("files");
        var key = LoopbackServer.NewKey();

        var (call, body, recorder, retries) = await DownloadAsync(server, client, false, $"resume/{Length}?key={key}&cut={Cut}", ReadPath.StreamReadAsync);

        Assert.Null((await call.Completion.WithTimeout()).Error);
        Assert.Equal(LoopbackServer.Pattern(Length), body);
        Assert.Equal(HttpAttemptKind.Resume, Assert.Single(retries).Kind);
        Assert.Equal(2, server.ResumeRequests(key).Count);
    }

    [Fact]
    public void Options_NegativeMaxResumeAttempts_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResponseBodyOptions().MaxResumeAttempts = -1);
        Assert.Equal(0, new ResponseBodyOptions().MaxResumeAttempts);
    }

    private static string KeyOf(string path) => System.Text.RegularExpressions.Regex.Match(path, "key=([0-9a-f]+)").Groups[1].Value;

    private static EventingOptions ResumeOptions(int maxResumes) =>
        new() { ResponseBody = new ResponseBodyOptions { MaxResumeAttempts = maxResumes } };

    private static string Names(EventRecorder recorder) =>
        string.Join(',', recorder.Names.Where(static n => n is not "httpData" and not "httpDownloadProgress"));

    private static async Task<(HttpCall Call, byte[] Body, EventRecorder Recorder, List<HttpRetryEvent> Retries)> DownloadAsync(
        LoopbackServer server, HttpClient client, bool http2, string path, ReadPath readPath)
    {
        using var request = server.Request(http2, path);
        var call = readPath == ReadPath.AwsCall ? client.CreateCall(request) : HttpCall.For(request);
        server.SignalDelivered(call, KeyOf(path));
        var recorder = new EventRecorder(call);
        var retries = new List<HttpRetryEvent>();
        call.On(HttpEvents.Retry, retries.Add);
        var body = new MemoryStream();
        switch (readPath)
        {
            case ReadPath.Buffered:
            {
                using var response = await client.SendAsync(request).WithTimeout();
                await response.Content.CopyToAsync(body);
                break;
            }

            case ReadPath.AwsCall:
                await call.SendAsync().WithTimeout();
                return (call, recorder.Body.ToArray(), recorder, retries);

            default:
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
                await ReadAsync(response, readPath, body).WithTimeout();
                break;
            }
        }

        return (call, body.ToArray(), recorder, retries);
    }

    private static async Task ReadAsync(HttpResponseMessage response, ReadPath path, MemoryStream body)
    {
        switch (path)
        {
            case ReadPath.StreamReadAsync:
            {
                await using var stream = await response.Content.ReadAsStreamAsync();
                var buffer = new byte[8192];
                int read;
                while ((read = await stream.ReadAsync(buffer)) > 0)
                {
                    body.Write(buffer, 0, read);
                }

                break;
            }

            case ReadPath.StreamRead:
                await Task.Run(() =>
                {
                    using var stream = response.Content.ReadAsStream();
                    var buffer = new byte[8192];
                    int read;
                    while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        body.Write(buffer, 0, read);
                    }
                });
                break;
            case ReadPath.StreamCopyToAsync:
            {
                await using var stream = await response.Content.ReadAsStreamAsync();
                await stream.CopyToAsync(body);
                break;
            }

            case ReadPath.ContentCopyToAsync:
                await response.Content.CopyToAsync(body);
                break;
            case ReadPath.ContentCopyTo:
                await Task.Run(() => response.Content.CopyTo(body, null, default));
                break;
        }
    }

    /// <summary>
    /// Downloads <paramref name="path"/> (a /resume body that breaks) as a stream and returns what its copy threw;
    /// <paramref name="configure"/> adds the test's own listeners before the send.
    /// </summary>
    private static async Task<(HttpCall Call, Exception Thrown, EventRecorder Recorder)> FailingDownloadAsync(
        LoopbackServer server, HttpClient client, string path, Action<HttpCall>? configure = null, CancellationToken cancellationToken = default)
    {
        using var request = server.Request(false, path);
        var call = HttpCall.For(request);
        server.SignalDelivered(call, KeyOf(path));
        configure?.Invoke(call);
        var recorder = new EventRecorder(call, data: false, progress: false);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => stream.CopyToAsync(Stream.Null, cancellationToken).WithTimeout());
        return (call, thrown, recorder);
    }
}
