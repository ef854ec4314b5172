using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls.Internal;

/// <summary>
/// The observed response content through the public surface: its headers are those a plain client reports, and every way of
/// reading it (sync and async buffering, sync and async streams) raises the body events and fails as a plain content would.
/// Found by mutation testing (docs/testing.md).
/// </summary>
public class ObservedResponseContentBehaviorTests
{
    private const string Url = "http://example.test/content";

    [Fact]
    public async Task Headers_MultiValuedAndSingleValued_SameAsWithoutTheHandler()
    {
        static HttpResponseMessage Respond(HttpRequestMessage _)
        {
            var content = new ByteArrayContent(new byte[12]);
            content.Headers.ContentLanguage.Add("en");
            content.Headers.ContentLanguage.Add("fr");
            content.Headers.TryAddWithoutValidation("X-Content-Note", ["a", "b"]);
            content.Headers.TryAddWithoutValidation("Content-Type", "text/plain; charset=utf-8");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }

        using var plainClient = new HttpClient(new InlineHandler(Respond));
        using var client = new HttpClient(new EventingHandler(new InlineHandler(Respond)));
        using var plain = await plainClient.GetAsync(Url, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        using var observed = await client.GetAsync(Url, HttpCompletionOption.ResponseHeadersRead).WithTimeout();

        Assert.Equal(plain.Content.Headers.ToString(), observed.Content.Headers.ToString());
        Assert.Equal(["en", "fr"], observed.Content.Headers.ContentLanguage);
        Assert.Equal(["a", "b"], observed.Content.Headers.GetValues("X-Content-Note"));
        Assert.Equal(12, observed.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Headers_ContentLengthWithASign_NotTakenAsTheBodyLength()
    {
        // A Content-Length the runtime would not parse ("+5") is not the body's length: the body ends at its 0-byte read.
        static HttpResponseMessage Respond(HttpRequestMessage _)
        {
            var content = new StreamContent(new ScriptedStream(false, ScriptedStream.Chunk(5), ScriptedStream.Chunk(5)));
            content.Headers.TryAddWithoutValidation("Content-Length", "+5");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }

        using var client = new HttpClient(new EventingHandler(new InlineHandler(Respond)));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[5]).AsTask().WithTimeout();

        Assert.False(call.IsFinished);
        Assert.All(recorder.DownloadProgress, p => Assert.NotEqual(5, p.Total));
        await stream.CopyToAsync(Stream.Null).WithTimeout();
        Assert.True(call.IsFinished);
        Assert.Equal(10, recorder.DownloadProgress.Last().Loaded);
    }

    [Fact]
    public async Task Send_SyncBufferingFailsMidBody_ThrowsAsAPlainClientAndEndsOnceWithTheFailure()
    {
        var failure = new IOException("The connection was reset.");
        HttpResponseMessage Respond(HttpRequestMessage _) => new(HttpStatusCode.OK)
        {
            Content = new StreamContent(new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Fail(failure))),
        };

        using var plainClient = new HttpClient(new InlineHandler(Respond));
        using var client = new HttpClient(new EventingHandler(new InlineHandler(Respond)));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);

        var expected = Assert.ThrowsAny<Exception>(() => plainClient.Send(new HttpRequestMessage(HttpMethod.Get, Url)));
        var thrown = Assert.ThrowsAny<Exception>(() => client.Send(request));

        Assert.Equal(expected.GetType(), thrown.GetType());
        Assert.True(ReferenceEquals(failure, thrown) || ReferenceEquals(failure, thrown.InnerException), thrown.ToString());
        Assert.Same(thrown, call.Response.Error);
        Assert.Same(thrown, Assert.Single(recorder.HttpErrors));
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task SendAsync_BufferingFailsMidBody_ThrowsAsAPlainClientAndEndsOnceWithTheFailure()
    {
        var failure = new IOException("The connection was reset.");
        HttpResponseMessage Respond(HttpRequestMessage _) => new(HttpStatusCode.OK)
        {
            Content = new StreamContent(new ScriptedStream(true, ScriptedStream.Chunk(10), ScriptedStream.Fail(failure))),
        };

        using var plainClient = new HttpClient(new InlineHandler(Respond));
        using var client = new HttpClient(new EventingHandler(new InlineHandler(Respond)));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);

        var expected = await Assert.ThrowsAnyAsync<Exception>(() => plainClient.GetAsync(Url)).WithTimeout();
        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(request)).WithTimeout();

        Assert.Equal(expected.GetType(), thrown.GetType());
        Assert.True(ReferenceEquals(failure, thrown) || ReferenceEquals(failure, thrown.InnerException), thrown.ToString());
        Assert.Same(thrown, call.Response.Error);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpError,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task SendAsync_CallerCancelsWhileBuffering_ThrowsCarryingTheCallersTokenAndNoHttpError()
    {
        using var caller = new CancellationTokenSource();
        var body = new ScriptedStream(true, ScriptedStream.Chunk(10), ScriptedStream.Pending());
        using var client = new HttpClient(new EventingHandler(new InlineHandler(_ =>
            new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) })));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);

        var sending = client.SendAsync(request, caller.Token);
        await body.PendingStarted.WithTimeout();
        await caller.CancelAsync();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending).WithTimeout();
        Assert.Equal(caller.Token, thrown.CancellationToken);
        Assert.IsAssignableFrom<OperationCanceledException>(call.Response.Error);
        Assert.Empty(recorder.HttpErrors);
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task ReadAsStream_Sync_RaisesTheBodyEventsAndEndsInSuccess()
    {
        using var client = new HttpClient(new EventingHandler(new InlineHandler(_ =>
            new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(LoopbackServer.Pattern(100)) })));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead);

        using var stream = response.Content.ReadAsStream();
        var bytes = new byte[100];
        stream.ReadExactly(bytes);

        Assert.Equal(LoopbackServer.Pattern(100), bytes);
        Assert.Equal(LoopbackServer.Pattern(100), recorder.Body.ToArray());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task CopyTo_Sync_RaisesTheBodyEventsAndEndsInSuccess()
    {
        using var client = new HttpClient(new EventingHandler(new InlineHandler(_ =>
            new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new ScriptedStream(false, ScriptedStream.Chunk(60), ScriptedStream.Chunk(40))) })));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        using var target = new MemoryStream();

        response.Content.CopyTo(target, context: null, CancellationToken.None);

        Assert.Equal(LoopbackServer.Pattern(100), target.ToArray());
        Assert.Equal(LoopbackServer.Pattern(100), recorder.Body.ToArray());
        Assert.Equal("httpHeaders:200,httpDownloadProgress*,httpData*,httpDone,success,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Dispose_ContentBeforeTheEnd_ReleasesTheInnerContentAndAbandonsTheCall()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(10));
        using var client = new HttpClient(new EventingHandler(new InlineHandler(_ =>
            new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) })));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        var recorder = new EventRecorder(call);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();

        response.Content.Dispose();

        Assert.True(body.Disposals > 0);
        Assert.IsType<HttpCallAbandonedException>(call.Response.Error);
        Assert.Equal("httpHeaders:200,error,complete:True", recorder.Compact());
    }

    [Fact]
    public async Task Dispose_ContentWhoseCompleteListenerThrows_ThrowsThatObjectAfterReleasingTheInnerContent()
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(10));
        using var client = new HttpClient(new EventingHandler(new InlineHandler(_ =>
            new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) })));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var thrown = new ListenerException();
        HttpCall.For(request).On(HttpEvents.Complete, _ => throw thrown);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();

        var actual = Assert.Throws<ListenerException>(response.Content.Dispose);

        Assert.Same(thrown, actual);
        Assert.True(body.Disposals > 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsStringAsync_AfterTheResponseWasDisposed_ThrowsObjectDisposedAsAPlainContent(bool buffered)
    {
        HttpResponseMessage Respond(HttpRequestMessage _) => new(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[10]) };
        using var plainClient = new HttpClient(new InlineHandler(Respond));
        using var client = new HttpClient(new EventingHandler(new InlineHandler(Respond)));
        var option = buffered ? HttpCompletionOption.ResponseContentRead : HttpCompletionOption.ResponseHeadersRead;
        var plain = await plainClient.GetAsync(Url, option).WithTimeout();
        var observed = await client.GetAsync(Url, option).WithTimeout();

        plain.Dispose();
        observed.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => plain.Content.ReadAsStringAsync()).WithTimeout();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => observed.Content.ReadAsStringAsync()).WithTimeout();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsStream_AfterBufferingFailed_ThrowsTheCallsError(bool sync)
    {
        var failure = new IOException("The connection was reset.");
        using var client = new HttpClient(new EventingHandler(new InlineHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Fail(failure), ScriptedStream.Chunk(10))),
        })));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        await Assert.ThrowsAnyAsync<Exception>(() => response.Content.LoadIntoBufferAsync()).WithTimeout();
        var error = call.Response.Error;

        var thrown = sync
            ? Assert.ThrowsAny<Exception>(() => response.Content.ReadAsStream())
            : await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStreamAsync()).WithTimeout();

        Assert.NotNull(error);
        Assert.Same(error, thrown);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Abort_InnerContentThatDoesNotOwnItsStream_TheStreamTheCallerReadsIsReleased(bool sync)
    {
        var body = new ScriptedStream(false, ScriptedStream.Chunk(10), ScriptedStream.Chunk(990));
        using var client = new HttpClient(new EventingHandler(new InlineHandler(_ =>
            new HttpResponseMessage(HttpStatusCode.OK) { Content = new NonOwningContent(body) })));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        var stream = sync ? response.Content.ReadAsStream() : await response.Content.ReadAsStreamAsync();
        await stream.ReadExactlyAsync(new byte[10]).AsTask().WithTimeout();

        call.Abort();

        Assert.True(body.Disposals > 0, "The stream the caller reads is released at the abort.");
        Assert.IsType<OperationCanceledException>(call.Response.Error);
    }

    /// <summary>A content that hands out a stream it does not own: disposing the content leaves that stream open.</summary>
    private sealed class NonOwningContent(Stream stream) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream target, System.Net.TransportContext? context) => stream.CopyToAsync(target);

        protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(stream);

        protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => stream;

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
