using System.Net;
using Handlers.Eventing.Tests.Infrastructure;
using RichardSzalay.MockHttp;

namespace Handlers.Eventing.Tests.Calls;

public class HttpCallResponseTests
{
    private const string Url = "http://example.test/resource";

    [Fact]
    public void Response_BeforeSend_Empty()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var response = HttpCall.For(request).Response;

        Assert.Null(response.HttpResponse);
        Assert.Null(response.StatusCode);
        Assert.Null(response.Error);
        Assert.Equal(0, response.RetryCount);
        Assert.Equal(0, response.Attempt);
        Assert.Null(response.TimeToHeaders);
        Assert.Null(response.Duration);
        Assert.False(response.IsSuccess);
        Assert.Equal("no response, running", response.ToString());
    }

    [Fact]
    public async Task Response_AfterSuccess_FilledIn()
    {
        var mock = new MockHttpMessageHandler();
        mock.When("*").Respond(HttpStatusCode.OK, "text/plain", "hello");
        using var client = new HttpClient(new EventingHandler(mock));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);

        using var message = await client.SendAsync(request).WithTimeout();

        var response = call.Response;
        Assert.Same(call, response.Call);
        Assert.Same(message, response.HttpResponse);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Error);
        Assert.True(response.IsSuccess);
        Assert.Equal(0, response.RetryCount);
        Assert.Equal(1, response.Attempt);
        Assert.Equal(5, response.BytesReceived);
        Assert.NotNull(response.TimeToHeaders);
        Assert.NotNull(response.Duration);
        Assert.True(response.Duration >= response.TimeToHeaders);
        Assert.Equal("200, success", response.ToString());
    }

    [Fact]
    public async Task Response_DuringSuccessListener_AlreadyFinal()
    {
        var mock = new MockHttpMessageHandler();
        mock.When("*").Respond(HttpStatusCode.OK, "text/plain", "hello");
        using var client = new HttpClient(new EventingHandler(mock));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        bool? successInside = null;
        TimeSpan? durationInside = null;
        HttpCall.For(request).On(HttpEvents.Success, r =>
        {
            successInside = r.IsSuccess;
            durationInside = r.Duration;
        });

        using var message = await client.SendAsync(request).WithTimeout();

        Assert.True(successInside);
        Assert.NotNull(durationInside);
    }

    [Fact]
    public async Task Response_AfterErrorStatus_ErrorDescribesStatus()
    {
        var mock = new MockHttpMessageHandler();
        mock.When("*").Respond(HttpStatusCode.Forbidden, "text/plain", "no");
        using var client = new HttpClient(new EventingHandler(mock));
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        var call = HttpCall.For(request);

        using var message = await client.SendAsync(request).WithTimeout();

        var error = Assert.IsType<HttpRequestException>(call.Response.Error);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.False(call.Response.IsSuccess);
        Assert.StartsWith("403, error: Response status code does not indicate success: 403", call.Response.ToString(), StringComparison.Ordinal);
        Assert.Contains("403, error", call.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Response_AfterTransportFailure_NoStatusAndNoHeadersTime()
    {
        using var client = new HttpClient(new EventingHandler(new SocketsHttpHandler()));
        using var request = new HttpRequestMessage(HttpMethod.Get, LoopbackServer.RefusedAddress());
        var call = HttpCall.For(request);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request)).WithTimeout();

        Assert.Null(call.Response.StatusCode);
        Assert.Null(call.Response.HttpResponse);
        Assert.Null(call.Response.TimeToHeaders);
        Assert.NotNull(call.Response.Duration);
        Assert.StartsWith("no response, error: ", call.Response.ToString(), StringComparison.Ordinal);
    }
}
