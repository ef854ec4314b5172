using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using RichardSzalay.MockHttp;

namespace Handlers.Eventing.Tests.Calls;

public class HttpClientEventingExtensionsTests
{
    [Fact]
    public void CreateCall_MethodAndUri_BuildsUnsentCallForNewRequest()
    {
        using var client = new HttpClient(new EventingHandler(new MockHttpMessageHandler())) { BaseAddress = new Uri("http://example.test/api/") };

        var call = client.CreateCall(HttpMethod.Put, "items/1");

        Assert.Equal(HttpMethod.Put, call.Request.Method);
        Assert.Equal("items/1", call.Request.RequestUri!.OriginalString);
        Assert.Same(call, HttpCall.For(call.Request));
        Assert.False(call.IsFinished);
        Assert.False(call.Completion.IsCompleted);
    }

    [Fact]
    public void CreateCall_Request_ForReturnsTheCreatedCall()
    {
        using var client = new HttpClient(new EventingHandler(new MockHttpMessageHandler()));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");

        var call = client.CreateCall(request);

        Assert.Same(request, call.Request);
        Assert.Same(call, HttpCall.For(request));
    }

    [Fact]
    public void CreateCall_RequestAlreadyHasCall_ThrowsArgumentException()
    {
        using var client = new HttpClient(new EventingHandler(new MockHttpMessageHandler()));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.test/");
        _ = HttpCall.For(request);

        var ex = Assert.Throws<ArgumentException>(() => client.CreateCall(request));

        Assert.Equal("request", ex.ParamName);
        Assert.Contains("new HttpRequestMessage", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateCall_NullArguments_Throw()
    {
        using var client = new HttpClient(new EventingHandler(new MockHttpMessageHandler()));

        Assert.Throws<ArgumentNullException>(() => HttpClientEventingExtensions.CreateCall(null!, HttpMethod.Get, "http://x/"));
        Assert.Throws<ArgumentNullException>(() => client.CreateCall(null!, "http://x/"));
        Assert.Throws<ArgumentNullException>(() => client.CreateCall(HttpMethod.Get, (string)null!));
        Assert.Throws<ArgumentNullException>(() => HttpClientEventingExtensions.CreateCall(null!, new HttpRequestMessage()));
        Assert.Throws<ArgumentNullException>(() => client.CreateCall((HttpRequestMessage)null!));
    }

    [Fact]
    public async Task CreateCall_ClientWithoutEventingHandler_SendAsyncThrowsInvalidOperation()
    {
        var mock = new MockHttpMessageHandler();
        mock.When("*").Respond(HttpStatusCode.OK, "text/plain", "hi");
        using var client = new HttpClient(mock);
        var call = client.CreateCall(HttpMethod.Get, "http://example.test/");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => call.SendAsync()).WithTimeout();

        Assert.Contains("EventingHandler", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AddEventing", ex.Message, StringComparison.Ordinal);
    }
}
