using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

// Issue 10, defect 6 and HttpCall.TryGet: CreateCall(method, uri) builds its request as HttpClient's own helpers do (the
// client's DefaultRequestVersion and DefaultVersionPolicy apply), and TryGet finds a request's call without creating one.
public class CallCreationTests
{
    [Fact]
    public async Task CreateCall_StringUriOnHttp2OnlyClient_SendsOverH2c()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: true);
        client.BaseAddress = server.Http2BaseAddress;

        var call = client.CreateCall(HttpMethod.Get, "bytes/1000");
        var response = await call.SendAsync().WithTimeout();

        Assert.Equal(HttpVersion.Version20, call.Request.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionExact, call.Request.VersionPolicy);
        Assert.Null(response.Error);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.HttpResponse!.Version);
        Assert.Equal(1000, response.BytesReceived);
    }

    [Fact]
    public async Task CreateCall_UriOnHttp2OnlyClient_SendsOverH2c()
    {
        var server = await LoopbackServer.Shared;
        using var client = LoopbackVersions.EventingClient(http2: true);

        var call = client.CreateCall(HttpMethod.Get, server.Http2Url("bytes/1000"));
        var response = await call.SendAsync().WithTimeout();

        Assert.Equal(server.Http2Url("bytes/1000"), call.Request.RequestUri);
        Assert.Null(response.Error);
        Assert.Equal(HttpVersion.Version20, response.HttpResponse!.Version);
        Assert.Equal(1000, response.BytesReceived);
    }

    [Fact]
    public void CreateCall_MethodAndUri_RequestHasTheClientsVersionDefaultsLikeItsHelpers()
    {
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()))
        {
            DefaultRequestVersion = HttpVersion.Version30,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };

        var byString = client.CreateCall(HttpMethod.Get, "http://example.test/a");
        var byUri = client.CreateCall(HttpMethod.Get, new Uri("http://example.test/b"));

        Assert.All([byString.Request, byUri.Request], request =>
        {
            Assert.Equal(HttpVersion.Version30, request.Version);
            Assert.Equal(HttpVersionPolicy.RequestVersionOrLower, request.VersionPolicy);
        });
        Assert.Equal(new Uri("http://example.test/b"), byUri.Request.RequestUri);
        Assert.Same(byUri, HttpCall.For(byUri.Request));
    }

    [Fact]
    public void CreateCall_NullUri_Throws()
    {
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));

        Assert.Throws<ArgumentNullException>("requestUri", () => client.CreateCall(HttpMethod.Get, (Uri)null!));
        Assert.Throws<ArgumentNullException>("method", () => client.CreateCall(null!, new Uri("http://example.test/")));
    }

    [Fact]
    public void TryGet_RequestWithoutCall_ReturnsFalseAndCreatesNone()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");

        Assert.False(HttpCall.TryGet(request, out var none));
        Assert.Null(none);
        Assert.False(HttpCall.TryGet(request, out _));
        Assert.Empty(request.Options);
    }

    [Fact]
    public void TryGet_AfterFor_ReturnsThatCall()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");
        var call = HttpCall.For(request);

        Assert.True(HttpCall.TryGet(request, out var found));
        Assert.Same(call, found);
    }

    [Fact]
    public async Task TryGet_RequestSentWithoutCall_FindsTheCallTheHandlerMade()
    {
        var server = await LoopbackServer.Shared;
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("bytes/10"));

        using var response = await client.SendAsync(request).WithTimeout();

        Assert.True(HttpCall.TryGet(request, out var call));
        Assert.Same(request, call.Request);
        Assert.True(call.IsFinished);
        Assert.Null(call.Response.Error);
    }

    [Fact]
    public void TryGet_NullRequest_Throws()
    {
        Assert.Throws<ArgumentNullException>("request", () => HttpCall.TryGet(null!, out _));
    }
}
