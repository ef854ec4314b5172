using System.Net;
using Handlers.Eventing.Tests.Infrastructure;

namespace Handlers.Eventing.Tests.Calls;

public class HttpCallResponseTests
{
    private const string Url = CallUnderTest.InMemoryUrl;

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

    [Theory]
    [PipelineShapes]
    public async Task Response_AfterSuccess_FilledIn(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(MockTransport.Responding("hello"u8.ToArray()), shape, record: false);
        var call = sut.Call;

        using var message = await sut.SendAsync().WithTimeout();

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

    [Theory]
    [PipelineShapes]
    public async Task Response_DuringSuccessListener_AlreadyFinal(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(MockTransport.Responding("hello"u8.ToArray()), shape, record: false);
        bool? successInside = null;
        TimeSpan? durationInside = null;
        sut.Call.On(HttpEvents.Success, r =>
        {
            successInside = r.IsSuccess;
            durationInside = r.Duration;
        });

        using var message = await sut.SendAsync().WithTimeout();

        Assert.True(successInside);
        Assert.NotNull(durationInside);
    }

    [Theory]
    [PipelineShapes]
    public async Task Response_AfterErrorStatus_ErrorDescribesStatus(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(MockTransport.Responding("no"u8.ToArray(), HttpStatusCode.Forbidden), shape, record: false);
        var call = sut.Call;

        using var message = await sut.SendAsync().WithTimeout();

        var error = Assert.IsType<HttpRequestException>(call.Response.Error);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.False(call.Response.IsSuccess);
        Assert.StartsWith("403, error: Response status code does not indicate success: 403", call.Response.ToString(), StringComparison.Ordinal);
        Assert.Contains("403, error", call.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [PipelineShapes]
    public async Task Response_AfterTransportFailure_NoStatusAndNoHeadersTime(PipelineShape shape)
    {
        using var sut = CallUnderTest.InMemory(new SocketsHttpHandler(), shape, LoopbackServer.RefusedAddress().ToString(), record: false);
        var call = sut.Call;

        await Assert.ThrowsAsync<HttpRequestException>(() => sut.SendAsync()).WithTimeout();

        Assert.Null(call.Response.StatusCode);
        Assert.Null(call.Response.HttpResponse);
        Assert.Null(call.Response.TimeToHeaders);
        Assert.NotNull(call.Response.Duration);
        Assert.StartsWith("no response, error: ", call.Response.ToString(), StringComparison.Ordinal);
    }
}
